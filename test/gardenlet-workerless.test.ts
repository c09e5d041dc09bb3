import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exampleShoot } from '@gardener-ts/api';
import { HibernationScheduler, ShootCare, STATUS_LABEL } from '@gardener-ts/botanist';
import { GardenClient, InProcessTransport } from '@gardener-ts/client';
import { binary } from '@gardener-ts/infra/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, kind, SHOOT, until } from './support/garden.js';
import { expectNothingLeft } from './support/leftovers.js';
import { type GardenServices, startGardenServices } from './support/services.js';

const run = promisify(execFile);

/** The pinned kubectl with this kubeconfig reaches the shoot's own API server. */
async function expectShootApiServer(kubeconfig: string): Promise<void> {
  const { stdout } = await run(binary('kubectl'), [
    '--kubeconfig',
    kubeconfig,
    'get',
    'namespace',
    'kube-system',
    '-o',
    'name',
  ]);
  expect(stdout.trim()).toBe('namespace/kube-system');
}

/** An AdminKubeconfigRequest/ViewerKubeconfigRequest answer, or a Status on failure. */
interface KubeconfigResponse {
  kind: string;
  reason?: string;
  status: { kubeconfig: string; expirationTimestamp: string };
}

describe('gardenlet: a workerless local shoot from create to gone', () => {
  const name = 'wl';
  let garden: Garden;
  let services: GardenServices;
  let technicalId: string;

  /** a request to the real garden API as the garden admin */
  const callApi: GardenServices['call'] = (...args) => services.call(...args);

  /** POST …/shoots/{name}/{admin|viewer}kubeconfig on the real garden API */
  const requestKubeconfig = async (role: 'admin' | 'viewer', body: unknown) => {
    const path = `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots/${name}/${role}kubeconfig`;
    const { status, body: answer } = await callApi('POST', path, body);
    return { status, body: answer as unknown as KubeconfigResponse };
  };

  beforeAll(async () => {
    garden = await createGarden();
    technicalId = `shoot--${garden.project}--${name}`;
    services = await startGardenServices(garden);
  });

  afterAll(async () => {
    await services?.stop();
    await garden?.close();
  });

  const read = () => garden.read(name);
  const settledState = (accept: (shoot: Awaited<ReturnType<typeof read>>) => boolean, timeoutMs = 120_000) =>
    until(async () => {
      const current = await read();
      return accept(current) ? current : undefined;
    }, timeoutMs);

  it('reaches Succeeded with progress rising to 100, and its control plane answers kubectl', async () => {
    await garden.createShoot(name, 100 + (Number.parseInt(garden.id, 16) % 100));
    const progress: number[] = [];
    const done = await settledState((current) => {
      const op = current.status?.lastOperation;
      // the create only: the API's relay may enqueue the shoot once more while it runs (createShoot
      // enqueues it too), and the Reconcile that follows starts its own progress from 0
      if (op?.type === 'Create' && op.state === 'Processing') progress.push(op.progress);
      if (process.env.DEBUG_E2E) console.log(JSON.stringify(op), JSON.stringify(current.status?.lastErrors));
      return op?.state === 'Succeeded';
    });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // a Reconcile is there only once the Create succeeded (see above)
    expect(['Create', 'Reconcile']).toContain(done.status?.lastOperation?.type);
    expect(done.status).toMatchObject({
      lastOperation: { state: 'Succeeded', progress: 100 },
      observedGeneration: done.metadata.generation,
      technicalID: technicalId,
      seedName: 'local',
    });
    expect(done.metadata.finalizers).toContain('gardener');
    expect(done.status?.advertisedAddresses?.[0]?.url).toMatch(/^https:\/\/10\.10\.\d+\.1:\d+$/);
    const ca = await garden.resources.get(kind('ConfigMap'), garden.namespace, `${name}.ca-cluster`);
    expect(JSON.stringify(ca)).toContain('BEGIN CERTIFICATE');

    const admin = await requestKubeconfig('admin', {
      apiVersion: 'authentication.gardener.cloud/v1alpha1',
      kind: 'AdminKubeconfigRequest',
      spec: { expirationSeconds: 600 },
    });
    expect(admin.status).toBe(201);
    expect(Date.parse(admin.body.status.expirationTimestamp) - Date.now()).toBeLessThanOrEqual(600_000);
    const file = join(garden.root, 'admin.kubeconfig');
    await writeFile(file, Buffer.from(admin.body.status.kubeconfig, 'base64'), { mode: 0o600 });
    await expectShootApiServer(file);
  });

  it('gardenctl targets the shoot, and through kubectl-env the pinned kubectl reaches it', async () => {
    const gardenctl = new URL('../apps/gardenctl/dist/main.js', import.meta.url).pathname;
    const env = {
      ...process.env,
      GCTL_HOME: join(garden.root, 'gctl'),
      GCTL_SESSION_ID: 'e2e',
      TMPDIR: garden.root,
      NO_COLOR: '1',
    };
    const gctl = (...args: string[]) => run('node', [gardenctl, ...args], { env });
    await gctl('config', 'set-garden', 'e2e', '--kubeconfig', join(garden.root, 'api', 'garden.kubeconfig'));
    await gctl('target', 'garden', 'e2e');
    await gctl('target', 'shoot', name); // a shoot name alone: its project is found
    const { stdout: view } = await gctl('target', 'view', '-o', 'json');
    expect(JSON.parse(view)).toMatchObject({ garden: 'e2e', project: garden.project, shoot: name });
    const { stdout: script } = await gctl('kubectl-env', 'bash');
    const kubeconfig = /export KUBECONFIG=['"]?([^'"\n]+)/.exec(script)?.[1] ?? '';
    await expectShootApiServer(kubeconfig);
  });

  it('a viewer kubeconfig reads but cannot see secrets; a too short expiration is refused', async () => {
    const viewer = await requestKubeconfig('viewer', { spec: {} });
    expect(viewer.status).toBe(201);
    const file = join(garden.root, 'viewer.kubeconfig');
    await writeFile(file, Buffer.from(viewer.body.status.kubeconfig, 'base64'), { mode: 0o600 });
    await run(binary('kubectl'), ['--kubeconfig', file, 'get', 'namespaces']);
    await expect(run(binary('kubectl'), ['--kubeconfig', file, 'get', 'secrets', '-A'])).rejects.toThrow(
      /forbidden/i,
    );
    const short = await requestKubeconfig('admin', { spec: { expirationSeconds: 10 } });
    expect(short).toMatchObject({ status: 422, body: { kind: 'Status', reason: 'Invalid' } });
  });

  it('rotate-ssh-keypair makes a new key pair and the annotation is removed once acted on', async () => {
    const publicKey = async () => {
      const secret = (await garden.resources.get(
        kind('Secret'),
        garden.namespace,
        `${name}.ssh-keypair`,
      )) as {
        data?: Record<string, string>;
      };
      return Buffer.from(secret.data?.['id_ed25519.pub'] ?? '', 'base64').toString();
    };
    const before = await publicKey();
    expect(before).toMatch(/^ssh-ed25519 /);
    await garden.resources.patch(SHOOT, garden.namespace, name, 'merge', {
      metadata: { annotations: { 'gardener.cloud/operation': 'rotate-ssh-keypair' } },
    });
    await garden.enqueue(name);
    await settledState(
      (current) =>
        !current.metadata.annotations?.['gardener.cloud/operation'] &&
        current.status?.lastOperation?.state === 'Succeeded',
      60_000,
    );
    const after = await publicKey();
    expect(after).toMatch(/^ssh-ed25519 /);
    expect(after).not.toBe(before);
  });

  it('care notices a control plane that went down (Progressing, then False), and the next reconcile brings it back', async () => {
    const care = new ShootCare({
      client: new GardenClient(new InProcessTransport(garden.resources)),
      seed: garden.seed,
      seedName: 'local',
      thresholds: { ControlPlaneHealthy: 1000, APIServerAvailable: 1000 },
    });
    const condition = async (type: string) => (await read()).status?.conditions?.find((c) => c.type === type);
    // a reconcile still running (the relay's second look after the rotation) would show as progressing
    await garden.idle(name);
    await garden.seed.stop(technicalId);
    await care.checkAll();
    expect(await condition('APIServerAvailable')).toMatchObject({
      status: 'Progressing',
      reason: 'HealthzRequestFailed',
    });
    expect((await read()).metadata.labels?.[STATUS_LABEL]).toBe('progressing');
    await sleep(1100);
    await care.checkAll();
    expect((await read()).metadata.labels?.[STATUS_LABEL]).toBe('unhealthy');
    expect(await condition('ControlPlaneHealthy')).toMatchObject({
      status: 'False',
      reason: 'ComponentsUnhealthy',
    });
    expect(await condition('APIServerAvailable')).toMatchObject({
      status: 'False',
      reason: 'HealthzRequestFailed',
    });
    await garden.enqueue(name);
    await until(
      async () => ((await condition('APIServerAvailable'))?.status === 'True' ? true : undefined),
      60_000,
    );
    await care.checkAll();
    expect(await condition('ControlPlaneHealthy')).toMatchObject({ status: 'True' });
  });

  it('a schedule firing hibernates it (no process left); waking up keeps its data', async () => {
    const kubectl = (...args: string[]) =>
      run(binary('kubectl'), ['--kubeconfig', join(garden.root, 'admin.kubeconfig'), ...args]);
    await kubectl('create', 'configmap', 'keep-me', '--from-literal=hello=world');
    const hibernated = (enabled: boolean) =>
      settledState((s) => s.status?.lastOperation?.state === 'Succeeded' && s.status.hibernated === enabled);
    let clock = Date.now();
    const scheduler = new HibernationScheduler({
      client: new GardenClient(new InProcessTransport(garden.resources)),
      seedName: 'local',
      enqueue: (shoot) => garden.enqueue(shoot.metadata.name ?? ''),
      logger: console,
      now: () => new Date(clock),
    });
    await garden.resources.patch(SHOOT, garden.namespace, name, 'merge', {
      spec: { hibernation: { schedules: [{ start: '* * * * *', location: 'Europe/Berlin' }] } },
    });
    clock += 61_000; // a minute later: the schedule's start has fired
    await scheduler.checkAll();
    expect((await read()).spec.hibernation?.enabled).toBe(true);
    await hibernated(true);
    const { stdout: processes } = await run('ps', ['-eo', 'args']);
    expect(processes).not.toContain(technicalId);
    expect(existsSync(join(garden.root, 'seed', technicalId))).toBe(true);

    await garden.resources.patch(SHOOT, garden.namespace, name, 'merge', {
      spec: { hibernation: { enabled: false, schedules: [] } },
    });
    await garden.enqueue(name);
    const awake = await hibernated(false);
    expect(awake.status?.conditions?.find((c) => c.type === 'APIServerAvailable')?.status).toBe('True');
    const { stdout } = await kubectl('get', 'configmap', 'keep-me', '-o', 'jsonpath={.data.hello}');
    expect(stdout).toBe('world');
  });

  it('through REST alone: created, reconciled by the jobs the API enqueues, and deleted', async () => {
    const rest = 'rest';
    const path = `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`;
    const shoot = {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name: rest },
      spec: {
        cloudProfileName: 'local',
        region: 'local',
        provider: { type: 'local' },
        kubernetes: { version: '1.34' },
        networking: { nodes: `10.10.${80 + (Number.parseInt(garden.id, 16) % 10)}.0/24` },
      },
    };
    const created = await callApi('POST', path, shoot);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ spec: { seedName: 'local' } }); // scheduled at create
    await until(async () => {
      const { body } = await callApi('GET', `${path}/${rest}`);
      return (body.status as { lastOperation?: { state?: string } })?.lastOperation?.state === 'Succeeded'
        ? true
        : undefined;
    }, 120_000);
    const confirm = await callApi(
      'PATCH',
      `${path}/${rest}`,
      { metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } } },
      'application/merge-patch+json',
    );
    expect(confirm.status).toBe(200);
    expect((await callApi('DELETE', `${path}/${rest}`)).status).toBe(200);
    await until(
      async () => ((await callApi('GET', `${path}/${rest}`)).status === 404 ? true : undefined),
      60_000,
    );
    await expectNothingLeft(garden, `shoot--${garden.project}--${rest}`);
  });

  it('deletes: the reverse flow runs, the finalizer goes last, and nothing is left behind', async () => {
    await garden.deleteShoot(name);
    await until(
      async () =>
        read().then(
          () => undefined,
          () => true,
        ),
      60_000,
    );
    await expectNothingLeft(garden, technicalId);
  });

  it('a node network with no room for machines fails finally, stays Failed untouched, and deletes cleanly', async () => {
    const tiny = 'tiny';
    const shoot = exampleShoot(tiny, garden.namespace);
    shoot.spec.provider.workers = [];
    shoot.spec.seedName = 'local';
    shoot.spec.networking = {
      ...shoot.spec.networking,
      nodes: `10.10.${90 + (Number.parseInt(garden.id, 16) % 10)}.0/31`,
    };
    await garden.resources.create(SHOOT, garden.namespace, shoot);
    await garden.enqueue(tiny);
    const failed = await until(async () => {
      const current = await garden.read(tiny);
      return current.status?.lastOperation?.state === 'Failed' ? current : undefined;
    }, 120_000);
    // both tasks that need the node network say why, with the code that stops retries
    expect(failed.status?.lastErrors?.map((e) => [e.taskID, e.codes])).toEqual(
      expect.arrayContaining([
        ['deploy-infrastructure', ['ERR_CONFIGURATION_PROBLEM']],
        ['deploy-control-plane', ['ERR_CONFIGURATION_PROBLEM']],
      ]),
    );
    // Failed stays Failed when nobody changed anything (a sweep or a duplicate job)
    await garden.enqueue(tiny);
    await sleep(2_000);
    expect((await garden.read(tiny)).status?.lastOperation).toEqual(failed.status?.lastOperation);
    await garden.deleteShoot(tiny);
    await until(
      async () =>
        garden.read(tiny).then(
          () => undefined,
          () => true,
        ),
      60_000,
    );
    await expectNothingLeft(garden, `shoot--${garden.project}--${tiny}`);
  });

  it('a provider config the provider does not know is refused at admission, naming the field', async () => {
    const path = `/apis/core.gardener.cloud/v1beta1/namespaces/${garden.namespace}/shoots`;
    const refused = await callApi('POST', path, {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      metadata: { name: 'badcfg' },
      spec: {
        cloudProfileName: 'local',
        region: 'local',
        provider: {
          type: 'local',
          infrastructureConfig: {
            apiVersion: 'aws.provider.extensions.gardener.cloud/v1alpha1',
            kind: 'InfrastructureConfig',
          },
        },
        kubernetes: { version: '1.34' },
      },
    });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
    expect(JSON.stringify(refused.body)).toContain('spec.provider.infrastructureConfig.apiVersion');
    expect((await callApi('GET', `${path}/badcfg`)).status).toBe(404);
  });
});
