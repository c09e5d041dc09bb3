// A control plane that hosts a shoot with machines: it starts before any interface has its address
// (the flow makes the shoot's bridge at the same time) and runs kwok, which moves Pods on nodes to Running.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from '@gardener-ts/infra/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSeedBackend } from './index.js';
import { eventually, kubectl, run, scratchRoot } from './testing/tools.js';

const id = 'shoot--test--pods';
const address = '10.250.7.1';
const root = scratchRoot('seed-pods');
const backend = new LocalSeedBackend({ root });
let kubeconfig: string;

beforeAll(async () => {
  await run('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo']);
  await backend.deploy({
    id,
    listenAddress: address,
    serviceCidr: '10.96.0.0/12',
    podCidr: '10.64.0.0/16',
    simulatePods: true,
  });
  await backend.waitReady(id, { timeoutMs: 90_000 });
  kubeconfig = join(root, 'admin.kubeconfig');
  const admin = await backend.issueKubeconfig(id, { role: 'admin', user: 'tester' });
  writeFileSync(kubeconfig, admin.kubeconfig, { mode: 0o600 });
}, 120_000);

afterAll(async () => {
  await backend.destroy(id);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('a control plane that simulates pods', () => {
  it('answers on an address no interface had, and gives the address back when destroyed', async () => {
    expect((await backend.endpoint(id)).url).toMatch(
      new RegExp(`^https://${address.replaceAll('.', '\\.')}:\\d+$`),
    );
    const status = await backend.status(id);
    expect(status.components.map((c) => [c.name, c.state])).toContainEqual(['kwok', 'running']);
  });

  it('runs a Pod bound to a node and removes it when deleted; the node itself is left alone', async () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'machine-a' } };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'machine-a', containers: [{ name: 'web', image: 'nginx' }] },
    };
    for (const object of [node, pod]) {
      // (the pod waits for the namespace's default service account, which the controller-manager makes)
      await eventually(`${object.kind} created`, async () => {
        const created = await run(binary('kubectl'), ['--kubeconfig', kubeconfig, 'create', '-f', '-'], {
          input: JSON.stringify(object),
        });
        if (created.code !== 0) throw new Error(created.stderr);
        return true;
      });
    }
    const phase = await eventually('the pod to run', async () => {
      const got = await kubectl(
        kubeconfig,
        'get',
        'pod',
        'web',
        '-o',
        'jsonpath={.status.phase} {.status.podIP}',
      );
      return got.stdout.startsWith('Running 10.64.') ? got.stdout : undefined;
    });
    expect(phase).toMatch(/^Running 10\.64\.\d+\.\d+$/);
    // kwok renews no lease and sets no condition: node health belongs to the machine's agent
    const lease = await kubectl(kubeconfig, 'get', 'lease', '-n', 'kube-node-lease', 'machine-a');
    expect(lease.code).not.toBe(0);
    const conditions = await kubectl(
      kubeconfig,
      'get',
      'node',
      'machine-a',
      '-o',
      'jsonpath={.status.conditions}',
    );
    expect(conditions.stdout).not.toContain('KubeletReady');

    expect((await kubectl(kubeconfig, 'delete', 'pod', 'web', '--wait=false')).code).toBe(0);
    await eventually('the pod to be gone', async () => {
      const got = await kubectl(kubeconfig, 'get', 'pod', 'web');
      return got.code !== 0 && got.stderr.includes('NotFound') ? true : undefined;
    });
  });

  it('destroy takes the listen address off the loopback interface again', async () => {
    expect((await run('ip', ['-o', 'addr', 'show', 'dev', 'lo'])).stdout).toContain(`${address}/32`);
    await backend.destroy(id);
    expect((await run('ip', ['-o', 'addr', 'show', 'dev', 'lo'])).stdout).not.toContain(`${address}/32`);
  });
});
