import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Machine } from '@gardener-ts/api';
import { LocalMachineDriver } from '@gardener-ts/extensions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, kind, until } from './support/garden.js';
import { expectNothingLeft } from './support/leftovers.js';

const run = promisify(execFile);
const GARDENLET = new URL('../apps/gardenlet/dist/main.js', import.meta.url).pathname;
const CREATE_TASKS = [
  'deploy-infrastructure',
  'deploy-control-plane',
  'wait-control-plane-ready',
  'deploy-workers',
  'wait-workers-ready',
  'publish-cluster-access',
];
const DELETE_TASKS = [
  'delete-workers',
  'destroy-control-plane',
  'destroy-infrastructure',
  'delete-cluster-access',
];

/**
 * Kill -9 at every task: a gardenlet started with the test-only switch kills itself when the task
 * starts; a second gardenlet takes the job over and must converge with nothing duplicated or left.
 */
describe('gardenlet killed at each task of the create and delete flows', () => {
  let garden: Garden;
  const running = new Set<ChildProcess>();

  function startGardenlet(killAtTask?: string): ChildProcess {
    const child = spawn('node', [GARDENLET], {
      env: {
        ...process.env,
        ...garden.gardenletEnv,
        GARDENLET_TAKEOVER_MS: '1500',
        GARDENLET_CARE_INTERVAL_SECONDS: '3600',
        ...(killAtTask ? { GARDENLET_TEST_KILL_AT_TASK: killAtTask } : {}),
      },
      // FAULTS_VERBOSE=1 shows the gardenlets' logs (each flow task's outcome) when a case fails
      stdio: process.env.FAULTS_VERBOSE ? 'inherit' : 'ignore',
    });
    running.add(child);
    child.on('exit', () => running.delete(child));
    return child;
  }

  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | null>((resolve) =>
      child.exitCode !== null || child.signalCode !== null
        ? resolve(child.signalCode)
        : child.once('exit', (_, signal) => resolve(signal)),
    );

  async function stop(child: ChildProcess): Promise<void> {
    child.kill('SIGTERM');
    await exited(child);
  }

  /** a gardenlet that died with SIGKILL leaves its work to a healthy one, which must finish it */
  async function takenOver(
    faulty: ChildProcess,
    done: () => Promise<boolean>,
    timeoutMs = 120_000,
  ): Promise<void> {
    expect(await exited(faulty)).toBe('SIGKILL');
    const healthy = startGardenlet();
    try {
      await until(async () => ((await done()) ? true : undefined), timeoutMs);
    } finally {
      await stop(healthy);
    }
  }

  /** one faulty gardenlet dies at the task, then a healthy one finishes the work */
  const survive = (task: string, done: () => Promise<boolean>) => takenOver(startGardenlet(task), done);

  const controlPlaneProcesses = async (technicalId: string) =>
    (await run('ps', ['-eo', 'args'])).stdout
      .split('\n')
      .filter((l) => l.includes(`/${technicalId}/`) && l.includes('kube-apiserver')).length;

  beforeAll(async () => {
    expect(existsSync(GARDENLET), 'run `npm run build` first').toBe(true);
    garden = await createGarden();
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await garden?.close();
  });

  it.each(CREATE_TASKS.map((task, i) => [task, i]))('create survives a kill at %s', async (task, i) => {
    const name = `c${i}`;
    await garden.createShoot(name, 200 + Number(i));
    await survive(
      String(task),
      async () => (await garden.read(name)).status?.lastOperation?.state === 'Succeeded',
    );
    const shoot = await garden.read(name);
    expect(shoot.status?.lastOperation).toMatchObject({ type: 'Create', progress: 100 });
    expect(await controlPlaneProcesses(`shoot--${garden.project}--${name}`)).toBe(1);
  });

  it.each(DELETE_TASKS.map((task, i) => [task, i]))('delete survives a kill at %s', async (task, i) => {
    const name = `c${i}`;
    await garden.deleteShoot(name);
    await survive(String(task), () =>
      garden.read(name).then(
        () => false,
        () => true,
      ),
    );
    await expectNothingLeft(garden, `shoot--${garden.project}--${name}`);
  });

  describe('with machines: killed while they are being made, and while they are being deleted', () => {
    const name = 'm';
    const technicalId = () => `shoot--${garden.project}--${name}`;
    const machines = async () =>
      (
        await garden.resources.list(kind('Machine'), garden.namespace, {
          labelSelector: `shoot.gardener.cloud/name=${name}`,
        })
      ).items as unknown as Machine[];
    const containers = async () =>
      (await new LocalMachineDriver({ root: join(garden.root, 'machines') }).list(technicalId())).map(
        (m) => m.name,
      );

    /** a gardenlet runs until `moment` is seen, is killed with -9 then, and a second one finishes */
    async function killWhen(moment: () => Promise<boolean>, done: () => Promise<boolean>): Promise<void> {
      const faulty = startGardenlet();
      await until(async () => ((await moment()) ? true : undefined), 120_000);
      faulty.kill('SIGKILL');
      // machines take longer than a workerless shoot, the more so on a loaded machine
      await takenOver(faulty, done, 240_000);
    }

    it('create: exactly the two machines, each Running with its container', async () => {
      // 200-205 are the create cases' node networks, and some of those shoots still live
      await garden.createShoot(name, 206, { withWorkers: true });
      await killWhen(
        async () => (await machines()).length > 0,
        async () => (await garden.read(name)).status?.lastOperation?.state === 'Succeeded',
      );
      const made = await machines();
      expect(made.map((m) => m.status?.currentStatus?.phase)).toEqual(['Running', 'Running']);
      expect((await containers()).sort()).toEqual(made.map((m) => m.metadata.name).sort());
    }, 420_000);

    it('delete: no machine, container or anything else of the shoot is left', async () => {
      await garden.deleteShoot(name);
      await killWhen(
        async () => (await machines()).some((m) => m.metadata.deletionTimestamp),
        () =>
          garden.read(name).then(
            () => false,
            () => true,
          ),
      );
      expect(await machines()).toEqual([]);
      expect(await containers()).toEqual([]);
      await expectNothingLeft(garden, technicalId());
    }, 420_000);
  });

  it('the last shoot is deleted by a healthy gardenlet', async () => {
    const name = `c${DELETE_TASKS.length}`;
    await garden.deleteShoot(name);
    const healthy = startGardenlet();
    try {
      await until(
        () =>
          garden.read(name).then(
            () => undefined,
            () => true,
          ),
        60_000,
      );
    } finally {
      await stop(healthy);
    }
    await expectNothingLeft(garden, `shoot--${garden.project}--${name}`);
  });
});
