export {
  type LocalInfrastructureInput,
  type LocalInfrastructureOutputs,
  localInfrastructureStack,
  localNetworkNames,
  removeLocalNetwork,
  SSH_KEY_RESOURCE,
} from './local-infrastructure.js';
