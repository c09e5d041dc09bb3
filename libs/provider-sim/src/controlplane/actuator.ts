import type { ControlPlaneActuator, ControlPlaneContext } from '@gardener-ts/extensions';
import { unexpected } from '../kube/api-client.js';
import type { ShootConnections } from '../kube/connections.js';

const CONFIG_PATH = '/api/v1/namespaces/kube-system/configmaps';
export const CLOUD_CONFIG_NAME = 'cloud-provider-config';

/**
 * What a cloud's control-plane extension does (a cloud-controller-manager's configuration), in
 * the simulated cloud: the shoot's `kube-system/cloud-provider-config` names the cloud, region,
 * zones and network the shoot runs in.
 */
export class SimControlPlaneActuator implements ControlPlaneActuator {
  constructor(private readonly connections: ShootConnections) {}

  async reconcile(context: ControlPlaneContext): Promise<void> {
    const zones = [...new Set(context.shoot.spec.provider.workers.flatMap((w) => w.zones ?? []))].sort();
    const data = {
      provider: 'sim',
      region: context.shoot.spec.region,
      zones: zones.join(','),
      ...(context.infrastructure.networkName ? { network: context.infrastructure.networkName } : {}),
    };
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLOUD_CONFIG_NAME }, data };
    const created = await this.connections.post(context.technicalId, CONFIG_PATH, body);
    if (created.status === 201) return;
    if (created.status !== 409) throw unexpected('create the cloud provider config', created);
    const replaced = await this.connections.patch(
      context.technicalId,
      `${CONFIG_PATH}/${CLOUD_CONFIG_NAME}`,
      { data },
      'merge',
    );
    if (replaced.status !== 200) throw unexpected('update the cloud provider config', replaced);
  }

  async delete(context: ControlPlaneContext): Promise<void> {
    const deleted = await this.connections.delete(context.technicalId, `${CONFIG_PATH}/${CLOUD_CONFIG_NAME}`);
    if (deleted.status !== 200 && deleted.status !== 404)
      throw unexpected('delete the cloud provider config', deleted);
  }
}
