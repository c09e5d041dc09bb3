export { SeedError, SeedErrorCode } from './errors.js';
export { type ControlPlaneTuning, DEFAULT_TUNING, firstServiceIP, type Ports } from './local/components.js';
export { defaultSeedRoot, type ShootLayout } from './local/layout.js';
export { LocalSeedBackend, type LocalSeedBackendOptions } from './local/local-backend.js';
export type {
  BootstrapToken,
  BootstrapTokenOptions,
  ComponentName,
  ComponentState,
  ComponentStatus,
  ControlPlaneEndpoint,
  ControlPlanePhase,
  ControlPlaneSpec,
  ControlPlaneStatus,
  CoreDnsSpec,
  KubeconfigRequest,
  SeedBackend,
  SystemComponentsHealth,
  WaitOptions,
} from './types.js';
