/** One Bastion (operations.gardener.cloud/v1alpha1) as a provider makes it real. */
export interface BastionContext {
  /** `<shoot technical id>--<bastion name>`: names what the bastion owns in the cloud */
  readonly id: string;
  readonly technicalId: string;
  /** the only key the bastion's sshd accepts */
  readonly sshPublicKey: string;
  /** the only sources the bastion accepts connections from */
  readonly ingressCidrs: readonly string[];
  /** facts the shoot's Infrastructure actuator reported */
  readonly infrastructure: Readonly<Record<string, string>>;
}

export interface BastionStatus {
  /** where users connect: an IP address and, where the cloud has one, a host name */
  readonly ip: string;
  readonly hostname?: string;
  /** the bastion's SSH host key, so clients can check it */
  readonly hostKey?: string;
}

export interface BastionActuator {
  reconcile(context: BastionContext): Promise<BastionStatus>;
  delete(context: BastionContext): Promise<void>;
}
