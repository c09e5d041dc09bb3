export {
  type LocalInfrastructureInput,
  type LocalInfrastructureOutputs,
  localGatewayAddress,
  localInfrastructureStack,
  localNetworkNames,
  removeLocalNetwork,
  SSH_KEY_RESOURCE,
} from './local-infrastructure.js';
