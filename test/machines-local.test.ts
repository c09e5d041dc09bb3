// A `local` shoot with a worker pool, end to end through the REST API: machines are runc
// containers that join the shoot as real nodes; the machine controller scales, rolls and heals them.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Machine, Shoot } from '@gardener-ts/api';
import { builtinImage, REPOSITORY_PREFIX, registryAddress } from '@gardener-ts/infra/images';
import { binary } from '@gardener-ts/infra/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, until } from './support/garden.js';
import { expectNothingLeft } from './support/leftovers.js';
import { type GardenServices, startGardenServices } from './support/services.js';

const run = promisify(execFile);
const NAME = 'mach';

interface NodeView {
  name: string;
  ready: boolean;
  internalIP?: string;
  cpu?: string;
}

describe('machines: a local shoot whose pool joins as real nodes', { timeout: 300_000 }, () => {
  let garden: Garden;
  let services: GardenServices;
  let kubeconfig = '';
  let technicalId = '';
  const shootsPath = () => `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`;
  const machinesPath = () => `/apis/machine.sapcloud.io/v1alpha1/namespaces/${garden.namespace}/machines`;

  const callApi: GardenServices['call'] = (...args) => services.call(...args);

  const kubectl = async (...args: string[]) =>
    (await run(binary('kubectl'), ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 * 1024 * 1024 }))
      .stdout;

  /** GET / of a pod's port through `kubectl port-forward` (the kubelet and containerd do the work). */
  const portForwarded = async (pod: string, port: number): Promise<string> => {
    const forward = spawn(binary('kubectl'), [
      '--kubeconfig',
      kubeconfig,
      'port-forward',
      `pod/${pod}`,
      `:${port}`,
    ]);
    try {
      const local = await new Promise<string>((resolve, reject) => {
        forward.stdout.on('data', (chunk: Buffer) => {
          const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(chunk.toString());
          if (match?.[1]) resolve(match[1]);
        });
        forward.once('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}`)));
      });
      return await (await fetch(`http://127.0.0.1:${local}/`)).text();
    } finally {
      forward.kill();
    }
  };

  const nodes = async (): Promise<NodeView[]> => {
    const list = JSON.parse(await kubectl('get', 'nodes', '-o', 'json')) as {
      items: {
        metadata: { name: string };
        status?: {
          conditions?: { type: string; status: string }[];
          addresses?: { type: string; address: string }[];
          allocatable?: Record<string, string>;
        };
      }[];
    };
    return list.items.map((n) => ({
      name: n.metadata.name,
      ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      internalIP: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
      // the machine type's CPUs: the kubelet reserves the rest of the host's
      cpu: n.status?.allocatable?.cpu,
    }));
  };

  const machines = async (): Promise<Machine[]> => {
    const { body } = await callApi(
      'GET',
      `${machinesPath()}?labelSelector=shoot.gardener.cloud%2Fname%3D${NAME}`,
    );
    return (body.items as Machine[]) ?? [];
  };

  const shoot = async () => (await callApi('GET', `${shootsPath()}/${NAME}`)).body as unknown as Shoot;

  const patchPool = (pool: Record<string, unknown>) =>
    callApi(
      'PATCH',
      `${shootsPath()}/${NAME}`,
      { spec: { provider: { workers: [{ name: 'pool-a', ...pool }] } } },
      'application/strategic-merge-patch+json',
    );

  /** Waits until the shoot's last operation succeeded for its current generation. */
  const reconciled = (timeoutMs: number) =>
    until(async () => {
      const current = await shoot();
      const op = current.status?.lastOperation;
      return op?.state === 'Succeeded' && current.status?.observedGeneration === current.metadata.generation
        ? current
        : undefined;
    }, timeoutMs);

  const readyNodes = (count: number, timeoutMs: number) =>
    until(async () => {
      const all = await nodes();
      return all.length === count && all.every((n) => n.ready) ? all : undefined;
    }, timeoutMs);

  beforeAll(async () => {
    garden = await createGarden();
    technicalId = `shoot--${garden.project}--${NAME}`;
    services = await startGardenServices(garden, { machineSyncSeconds: 2, orphanGraceSeconds: 5 });
  });

  afterAll(async () => {
    await services?.stop();
    await garden?.close();
  });

  it('reaches Succeeded with 3 Ready nodes over 2 zones, and a Deployment’s Pods run on them', async () => {
    garden.track(NAME);
    const created = await callApi('POST', shootsPath(), {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name: NAME },
      spec: {
        cloudProfileName: 'local',
        region: 'local',
        provider: {
          type: 'local',
          workers: [
            {
              name: 'pool-a',
              machine: { type: 'local-small', image: { name: 'debian', version: '12' } },
              minimum: 3,
              maximum: 5,
              maxSurge: 1,
              maxUnavailable: 1,
              zones: ['zone-a', 'zone-b'],
              machineControllerManager: { machineHealthTimeout: '10s' },
            },
          ],
        },
        kubernetes: { version: '1.34' },
        networking: { nodes: `10.10.${210 + (Number.parseInt(garden.id, 16) % 10)}.0/24` },
      },
    });
    expect(created.status).toBe(201);
    const done = await reconciled(240_000);
    expect(done.status?.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'EveryNodeReady', status: 'True' })]),
    );

    const admin = await callApi('POST', `${shootsPath()}/${NAME}/adminkubeconfig`, {
      apiVersion: 'authentication.gardener.cloud/v1alpha1',
      kind: 'AdminKubeconfigRequest',
      spec: { expirationSeconds: 3600 },
    });
    kubeconfig = join(garden.root, 'shoot.kubeconfig');
    const status = admin.body.status as { kubeconfig: string };
    await writeFile(kubeconfig, Buffer.from(status.kubeconfig, 'base64'), { mode: 0o600 });

    const ready = await readyNodes(3, 30_000);
    const stored = await machines();
    expect(stored.map((m) => m.metadata.name).sort()).toEqual(ready.map((n) => n.name).sort());
    expect(stored.every((m) => m.status?.currentStatus?.phase === 'Running')).toBe(true);
    const { body: deployments } = await callApi(
      'GET',
      `/apis/machine.sapcloud.io/v1alpha1/namespaces/${garden.namespace}/machinedeployments`,
    );
    const replicas = (deployments.items as { metadata: { name: string }; spec: { replicas: number } }[])
      .map((d) => [d.metadata.name, d.spec.replicas])
      .sort();
    expect(replicas).toEqual([
      [`${NAME}-pool-a-z1`, 2],
      [`${NAME}-pool-a-z2`, 1],
    ]);

    const demo = builtinImage('demo-web');
    const image = `${registryAddress()}/${REPOSITORY_PREFIX}/${demo.name}:${await demo.tag()}`;
    await kubectl('create', 'deployment', 'web', `--image=${image}`, '--replicas=2');
    const running = await until(async () => {
      const pods = JSON.parse(await kubectl('get', 'pods', '-l', 'app=web', '-o', 'json')) as {
        items: {
          metadata: { name: string };
          spec: { nodeName?: string };
          status: { phase?: string; containerStatuses?: { ready: boolean }[] };
        }[];
      };
      return pods.items.length === 2 && pods.items.every((p) => p.status.containerStatuses?.[0]?.ready)
        ? pods
        : undefined;
    }, 90_000);
    const nodeNames = new Set(ready.map((n) => n.name));
    expect(running.items.every((p) => nodeNames.has(p.spec.nodeName ?? ''))).toBe(true);
    // a real container answers through kubectl port-forward, its logs come from the kubelet
    const name = running.items[0]?.metadata.name ?? '';
    expect(await portForwarded(name, 8080)).toContain(`hostname: ${name}\n`);
    expect(await kubectl('logs', name)).toContain('demo-web');
    // the seed deployed cluster DNS into the shoot, and it runs on these nodes
    const dns = await until(async () => {
      const deployment = JSON.parse(
        await kubectl('get', 'deployment', 'coredns', '-n', 'kube-system', '-o', 'json'),
      );
      return deployment.status?.availableReplicas === 2 ? deployment : undefined;
    }, 90_000);
    expect(dns.spec.template.spec.containers[0].image).toMatch(/\/gardener-ts\/coredns:/);
  });

  it('refuses ssh to a node from the host: only bastions reach port 22', async () => {
    const [node] = await nodes();
    const keyFile = join(garden.root, 'id_ed25519');
    const { body } = await callApi(
      'GET',
      `/api/v1/namespaces/${garden.namespace}/secrets/${NAME}.ssh-keypair`,
    );
    const data = body.data as Record<string, string>;
    await writeFile(keyFile, Buffer.from(data.id_ed25519 ?? '', 'base64'), { mode: 0o600 });
    const attempt = await run('ssh', [
      ...['-i', keyFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', `gardener@${node?.internalIP}`, 'hostname'],
    ]).then(
      () => 'connected',
      (error: { stderr?: string }) => error.stderr ?? 'refused',
    );
    expect(attempt).not.toBe('connected');
  });

  it('scales 3 → 5 → 2 by PATCHing the pool, deleting the machines it no longer needs', async () => {
    expect((await patchPool({ minimum: 5, maximum: 5 })).status).toBe(200);
    await readyNodes(5, 120_000);
    const five = (await machines()).map((m) => m.metadata.name);
    expect((await patchPool({ minimum: 2, maximum: 5 })).status).toBe(200);
    await readyNodes(2, 120_000);
    await reconciled(60_000);
    const left = (await machines()).map((m) => m.metadata.name ?? '');
    expect(left).toHaveLength(2);
    const machineDirs = await readdir(join(garden.root, 'machines', 'shoots', technicalId, 'machines'));
    expect(machineDirs.sort()).toEqual([...left].sort());
    expect(five).toEqual(expect.arrayContaining(left));
  });

  it('rolls every machine on a machine type change, never above desired+maxSurge nor below desired−maxUnavailable Ready', async () => {
    const before = new Set((await machines()).map((m) => m.metadata.name));
    const violations: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [all, current] = await Promise.all([machines(), nodes()]);
        const total = all.filter((m) => !m.metadata.deletionTimestamp).length;
        const ready = current.filter((n) => n.ready).length;
        if (total > 3) violations.push(`${total} machines (desired 2 + maxSurge 1)`);
        if (ready < 1) violations.push(`${ready} Ready nodes (desired 2 − maxUnavailable 1)`);
        await sleep(200);
      }
    })();
    expect(
      (await patchPool({ machine: { type: 'local-medium', image: { name: 'debian', version: '12' } } }))
        .status,
    ).toBe(200);
    try {
      await until(async () => {
        const all = await machines();
        const fresh = all.filter(
          (m) => !before.has(m.metadata.name) && m.status?.currentStatus?.phase === 'Running',
        );
        return all.length === 2 && fresh.length === 2 ? true : undefined;
      }, 180_000);
    } finally {
      watching = false;
      await watcher;
    }
    expect(violations).toEqual([]);
    const rolled = await readyNodes(2, 60_000);
    expect(rolled.map((n) => n.cpu)).toEqual(['2', '2']);
  });

  it('replaces a machine whose kubelet stopped, after the health timeout', async () => {
    const [victim] = await nodes();
    const runcRoot = join(garden.root, 'machines', 'runc');
    await run('runc', [
      '--root',
      runcRoot,
      'exec',
      `${technicalId}_${victim?.name}`,
      'sh',
      '-c',
      'touch /run/gardener-node/stopped/kubelet && pkill -x kubelet',
    ]);
    await until(async () => {
      const names = (await machines()).map((m) => m.metadata.name);
      const all = await nodes();
      return !names.includes(victim?.name) && all.length === 2 && all.every((n) => n.ready)
        ? true
        : undefined;
    }, 180_000);
    const { stdout } = await run('runc', ['--root', runcRoot, 'list', '-q']);
    expect(stdout).not.toContain(`${technicalId}_${victim?.name}`);
  });

  it('deletes an orphan: a container the provider runs but no Machine knows', async () => {
    const { LocalMachineDriver } = await import('@gardener-ts/extensions');
    const driver = new LocalMachineDriver({ root: join(garden.root, 'machines') });
    const [model] = await machines();
    const endpoint = await garden.seed.endpoint(technicalId);
    const token = await garden.seed.createBootstrapToken(technicalId);
    const classSpec = await callApi(
      'GET',
      `/apis/machine.sapcloud.io/v1alpha1/namespaces/${garden.namespace}/machineclasses/${model?.spec.class.name}`,
    );
    const providerSpec = classSpec.body.providerSpec as Record<string, unknown>;
    await driver.create({
      name: 'orphan-1',
      technicalId,
      machineClass: {
        machineType: 'local-small',
        image: { name: 'debian', version: '12' },
        zone: 'zone-a',
        cpu: '1',
        memory: '1Gi',
      },
      bootstrap: {
        apiServerUrl: endpoint.url,
        caPem: endpoint.caPem,
        bootstrapToken: token.token,
        labels: {},
        taints: [],
        sshPublicKey: Buffer.from(
          (
            (await callApi('GET', `/api/v1/namespaces/${garden.namespace}/secrets/${NAME}.ssh-keypair`)).body
              .data as Record<string, string>
          )['id_ed25519.pub'] ?? '',
          'base64',
        ).toString('utf8'),
      },
      infrastructure: (providerSpec.infrastructure ?? {}) as Record<string, string>,
    });
    expect((await driver.list(technicalId)).map((m) => m.name)).toContain('orphan-1');
    await until(
      async () => ((await driver.list(technicalId)).some((m) => m.name === 'orphan-1') ? undefined : true),
      60_000,
    );
    expect((await machines()).map((m) => m.metadata.name)).not.toContain('orphan-1');
  });

  it('deletes the shoot: no container, namespace, interface, process or file is left', async () => {
    await callApi(
      'PATCH',
      `${shootsPath()}/${NAME}`,
      { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } },
      'application/merge-patch+json',
    );
    expect((await callApi('DELETE', `${shootsPath()}/${NAME}`)).status).toBe(200);
    await until(
      async () => ((await callApi('GET', `${shootsPath()}/${NAME}`)).status === 404 ? true : undefined),
      120_000,
    );
    expect(await machines()).toEqual([]);
    const { stdout: containers } = await run('runc', [
      '--root',
      join(garden.root, 'machines', 'runc'),
      'list',
      '-q',
    ]);
    expect(containers.trim()).toBe('');
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    const { stdout: processes } = await run('ps', ['-eo', 'args']);
    expect(existsSync(join(garden.root, 'machines', 'shoots', technicalId))).toBe(false);
    await expectNothingLeft(garden, technicalId);
    // machines' interfaces and namespaces are named by a hash of the shoot and machine; none of this
    // garden's may be left, which the driver's own list reports by its state root
    expect(`${namespaces}${links}${processes}`).not.toContain(technicalId);
  });
});
