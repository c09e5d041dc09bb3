import type { InfrastructureContext } from '../infrastructure/actuator.js';

/** The shoot's control plane as the seed hosts it, for cloud-specific additions. */
export interface ControlPlaneContext extends InfrastructureContext {
  /** the shoot's kube-apiserver and the CA to verify it */
  readonly apiServerUrl: string;
  readonly caPem: string;
  /** facts the Infrastructure actuator reported */
  readonly infrastructure: Readonly<Record<string, string>>;
}

/**
 * Cloud-specific control-plane pieces (a cloud-controller-manager, CSI controllers and the like).
 * The seed hosts the core control plane; a provider without such pieces implements none.
 */
export interface ControlPlaneActuator {
  reconcile(context: ControlPlaneContext): Promise<void>;
  delete(context: ControlPlaneContext): Promise<void>;
}
