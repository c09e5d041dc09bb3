export { firstHostAddress, parseIpv4Cidr } from './ipv4.js';
export {
  type LocalInfrastructureInput,
  type LocalInfrastructureOutputs,
  localInfrastructureStack,
  localNetworkNames,
  removeLocalNetwork,
  SSH_KEY_RESOURCE,
} from './local-infrastructure.js';
