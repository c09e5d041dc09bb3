export type {
  HeartbeatSettings,
  ShootAccess,
  ShootAccessSource,
  SimProviderDependencies,
} from './dependencies.js';
export { SimError, SimErrorCode } from './errors.js';
export {
  DEFAULT_NODES_CIDR,
  defaultSimStateDir,
  INFRASTRUCTURE_RECORD,
  SimInfrastructureActuator,
} from './infrastructure/actuator.js';
export { type KubeconfigIssuer, shootAccessFromKubeconfig, shootAccessFromSeed } from './kube/kubeconfig.js';
export { type ApiCallStats, type ApiRetrySettings, DEFAULT_API_RETRY } from './kube/retry.js';
export { SimMachineDriver } from './machine/driver.js';
export { type BeatReport, DEFAULT_HEARTBEAT } from './machine/heartbeat.js';
export {
  DELETE_LATENCY_ANNOTATION,
  FAULT_ANNOTATION,
  nodeFor,
  providerIdOf,
  READY_AT_ANNOTATION,
  SHOOT_LABEL,
} from './machine/objects.js';
export { createProvider, SIM_PROVIDER_TYPE, type SimProvider } from './provider.js';
export {
  MAX_LATENCY_MS,
  parseWorkerConfig,
  SIM_API_VERSION,
  SIM_FAULTS,
  type SimFault,
  type SimWorkerConfig,
  validateSimProviderConfig,
} from './provider-config.js';
