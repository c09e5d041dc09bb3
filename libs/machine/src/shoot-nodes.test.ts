// shootNodesFromKubeconfig against a real kube-apiserver: a control plane of the local seed backend,
// reached with a short-lived admin kubeconfig as the gardenlet issues them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShootNodes, shootNodesFromKubeconfig } from './shoot-nodes.js';

const id = 'shoot--test--machine-nodes';
const root = mkdtempSync(join(tmpdir(), 'gts-machine-nodes-'));
const backend = new LocalSeedBackend({ root });
let nodes: ShootNodes;
let core: CoreV1Api;

beforeAll(async () => {
  await backend.deploy({ id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
  await backend.waitReady(id, { timeoutMs: 90_000 });
  const { kubeconfig } = await backend.issueKubeconfig(id, { role: 'admin', user: 'machine-test' });
  nodes = shootNodesFromKubeconfig(kubeconfig);
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  core = config.makeApiClient(CoreV1Api);
}, 120_000);

afterAll(async () => {
  await backend.destroy(id);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

async function setReady(name: string, status: 'True' | 'False', since: string): Promise<void> {
  const node = await core.readNode({ name });
  node.status = {
    ...node.status,
    conditions: [
      {
        type: 'Ready',
        status,
        reason: 'Test',
        lastHeartbeatTime: new Date(since),
        lastTransitionTime: new Date(since),
      },
    ],
  };
  await core.replaceNodeStatus({ name, body: node });
}

describe('shootNodesFromKubeconfig', () => {
  it('lists Nodes with their readiness and deletes them, a missing one included', async () => {
    await core.createNode({
      body: {
        metadata: { name: 'pool-a-z1-abcde-fghij' },
        spec: { providerID: 'local:///pool-a-z1-abcde-fghij' },
      },
    });
    await setReady('pool-a-z1-abcde-fghij', 'True', '2030-01-01T10:00:00Z');
    expect(await nodes.list()).toEqual([
      {
        name: 'pool-a-z1-abcde-fghij',
        ready: true,
        readySince: new Date('2030-01-01T10:00:00Z'),
        providerId: 'local:///pool-a-z1-abcde-fghij',
      },
    ]);

    await setReady('pool-a-z1-abcde-fghij', 'False', '2030-01-01T11:00:00Z');
    expect(await nodes.list()).toMatchObject([
      { name: 'pool-a-z1-abcde-fghij', ready: false, notReadySince: new Date('2030-01-01T11:00:00Z') },
    ]);

    await nodes.delete('pool-a-z1-abcde-fghij');
    expect(await nodes.list()).toEqual([]);
    await expect(nodes.delete('pool-a-z1-abcde-fghij')).resolves.toBeUndefined();
  });
});
