export { firstHostAddress, parseIpv4Cidr } from './ipv4.js';
export {
  type LocalInfrastructureInput,
  type LocalInfrastructureOutputs,
  localInfrastructureStack,
  localNetworkNames,
  removeLocalNetwork,
} from './local-infrastructure.js';
