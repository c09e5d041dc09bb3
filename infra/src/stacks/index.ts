export {
  type LocalInfrastructureInput,
  type LocalInfrastructureOutputs,
  localGatewayAddress,
  localInfrastructureStack,
  localMacAddress,
  localNetworkNames,
  removeLocalNetwork,
  SSH_KEY_RESOURCE,
} from './local-infrastructure.js';
