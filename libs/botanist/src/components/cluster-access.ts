import { SHOOT_LABEL, type Shoot } from '@gardener-ts/api';
import { type GardenClient, ignoreNotFound, isAlreadyExists, type ObjectOf } from '@gardener-ts/client';
import type { InfrastructureStatus } from '@gardener-ts/extensions';
import { clusterCaConfigMapName, sshKeypairSecretName } from '../shoot-names.js';

type AccessKind = 'Secret' | 'ConfigMap';

/** The objects in the project namespace through which users reach the shoot: its SSH key pair and CA. */
export class ClusterAccess {
  constructor(
    private readonly client: GardenClient,
    private readonly shoot: Shoot,
  ) {}

  async saveSshKeypair(infrastructure: InfrastructureStatus): Promise<void> {
    const data = {
      id_ed25519: Buffer.from(infrastructure.secrets.sshPrivateKey ?? '').toString('base64'),
      'id_ed25519.pub': Buffer.from(infrastructure.sshPublicKey).toString('base64'),
    };
    await this.apply('Secret', sshKeypairSecretName(this.shoot.metadata.name), { type: 'Opaque', data });
  }

  async publishCa(caPem: string): Promise<void> {
    await this.apply('ConfigMap', clusterCaConfigMapName(this.shoot.metadata.name), {
      data: { 'ca.crt': caPem },
    });
  }

  async remove(): Promise<void> {
    const objects: [AccessKind, string][] = [
      ['ConfigMap', clusterCaConfigMapName(this.shoot.metadata.name)],
      ['Secret', sshKeypairSecretName(this.shoot.metadata.name)],
    ];
    for (const [kind, name] of objects) {
      await this.client
        .delete(kind, { namespace: this.shoot.metadata.namespace, name })
        .catch(ignoreNotFound);
    }
  }

  /** create, or replace the content of, a namespaced object owned by the shoot */
  private async apply(kind: AccessKind, name: string, content: Record<string, unknown>): Promise<void> {
    const { namespace, name: shootName } = this.shoot.metadata;
    const body = {
      apiVersion: 'v1',
      kind,
      metadata: { name, namespace, labels: { [SHOOT_LABEL]: shootName ?? '' } },
      ...content,
    };
    try {
      await this.client.create(kind, body as ObjectOf<typeof kind>);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await this.client.patch(kind, { namespace, name }, 'merge', content);
    }
  }
}
