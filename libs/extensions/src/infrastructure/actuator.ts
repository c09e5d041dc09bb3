import type { CloudProfile, Shoot } from '@gardener-ts/api';

/** Everything an Infrastructure actuator is given (Gardener's Infrastructure + Cluster). */
export interface InfrastructureContext {
  readonly shoot: Shoot;
  readonly cloudProfile: CloudProfile;
  /** the decoded data of the Secret the shoot's credentials binding points to */
  readonly credentials: Readonly<Record<string, string>>;
  /** `shoot--<project>--<name>`: names everything the shoot owns in the cloud */
  readonly technicalId: string;
  /** the `rotate-ssh-keypair` operation: make a new key pair */
  readonly rotateSshKeypair?: boolean;
}

export interface InfrastructureStatus {
  /** provider-specific facts later steps need (network names, addresses) */
  readonly providerStatus: Readonly<Record<string, string>>;
  /** SSH public key machines accept */
  readonly sshPublicKey: string;
  /** secret outputs: the caller stores them encrypted, never in status */
  readonly secrets: Readonly<Record<string, string>>;
}

/**
 * Creates and removes a shoot's cloud infrastructure. Both calls converge and may be repeated
 * after a crash; failures are ExtensionErrors whose codes decide whether to retry.
 */
export interface InfrastructureActuator {
  reconcile(context: InfrastructureContext): Promise<InfrastructureStatus>;
  delete(context: InfrastructureContext): Promise<void>;
  /**
   * The address the shoot's kube-apiserver listens on so its machines reach it, known before the
   * infrastructure exists: the flow then starts the control plane and the infrastructure at once.
   * Without it, the control plane listens on loopback.
   */
  controlPlaneAddress?(context: InfrastructureContext): string;
}
