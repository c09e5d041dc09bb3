import type {
  ExtensionRegistry,
  InfrastructureActuator,
  InfrastructureContext,
  InfrastructureStatus,
} from '@gardener-ts/extensions';
import type { ClusterAccess } from './cluster-access.js';

/** The shoot's cloud infrastructure, made by its provider's Infrastructure actuator. */
export class Infrastructure {
  private status?: InfrastructureStatus;

  constructor(
    private readonly extensions: ExtensionRegistry,
    private readonly context: InfrastructureContext,
    private readonly access: ClusterAccess,
  ) {}

  /** what the provider tells the later steps (network names, addresses); empty until deployed */
  get providerStatus(): Readonly<Record<string, string>> {
    return this.status?.providerStatus ?? {};
  }

  /** Makes or repairs the infrastructure and keeps its SSH key pair for users and machines. */
  async deploy(): Promise<void> {
    this.status = await this.actuator().reconcile(this.context);
    await this.access.saveSshKeypair(this.status);
  }

  /** Known before the infrastructure exists, so the control plane can start alongside it. */
  controlPlaneAddress(): string {
    return this.actuator().controlPlaneAddress?.(this.context) ?? '127.0.0.1';
  }

  destroy(): Promise<void> {
    return this.actuator().delete(this.context);
  }

  private actuator(): InfrastructureActuator {
    return this.extensions.infrastructure(this.context.shoot.spec.provider.type);
  }
}
