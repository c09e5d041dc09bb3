// Control planes belong to the seed: they outlive whoever started them, are adopted through
// pidfiles, and leave nothing behind when destroyed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSeedBackend } from './index.js';
import { supervisorEntry } from './local/launch.js';
import { isAlive } from './local/processes.js';
import { eventually, kubectl, listening, scratchRoot } from './testing/tools.js';

const here = dirname(fileURLToPath(import.meta.url));
const id = 'shoot--test--lifecycle';
const spec = { id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' };
const root = scratchRoot('seed-lifecycle');
let starter: ChildProcess | undefined;

afterAll(async () => {
  starter?.kill('SIGKILL');
  await new LocalSeedBackend({ root }).destroy(id);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

async function pids(backend: LocalSeedBackend): Promise<Record<string, number | undefined>> {
  const status = await backend.status(id);
  return Object.fromEntries([
    ['supervisor', status.supervisorPid],
    ...status.components.map((c) => [c.name, c.pid]),
  ]);
}

describe('control-plane lifecycle', () => {
  let original: Record<string, number | undefined>;

  it('outlives a killed starter, and the next starter adopts it with its data', async () => {
    // A separate node process plays the gardenlet that deploys the control plane.
    starter = spawn(
      process.execPath,
      [
        '--import',
        join(here, '..', '..', '..', 'scripts', 'dev', 'register-ts.mjs'),
        join(here, 'testing', 'starter.ts'),
        root,
        id,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      starter?.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve());
      starter?.once('exit', (code) => reject(new Error(`starter exited with ${code}`)));
    });
    original = await pids(new LocalSeedBackend({ root }));
    expect(Object.values(original).every((pid) => pid && pid > 0)).toBe(true);

    starter.kill('SIGKILL');
    await new Promise((resolve) => starter?.once('exit', resolve));
    starter = undefined;
    await sleep(500);
    for (const pid of Object.values(original)) expect(isAlive(pid ?? 0)).toBe(true);

    // A new starter (this process) deploys the same spec: nothing is restarted, the data is there.
    const backend = new LocalSeedBackend({ root });
    await backend.deploy(spec);
    await backend.waitReady(id, { timeoutMs: 60_000 });
    expect(await pids(backend)).toEqual(original);
    const admin = join(root, 'adopter.kubeconfig');
    writeFileSync(admin, (await backend.issueKubeconfig(id, { role: 'admin', user: 'adopter' })).kubeconfig, {
      mode: 0o600,
    });
    const cm = await kubectl(admin, 'get', 'configmap', 'survivor', '-o', 'jsonpath={.data.written-by}');
    expect(cm.stdout).toBe('starter');
  });

  it('keeps components running when the supervisor dies; a new supervisor adopts and restarts them', async () => {
    const backend = new LocalSeedBackend({ root });
    process.kill(original.supervisor ?? 0, 'SIGKILL');
    await eventually('the supervisor to be gone', () =>
      isAlive(original.supervisor ?? 0) ? undefined : true,
    );
    const degraded = await backend.status(id);
    expect(degraded.phase).toBe('Degraded');
    expect(degraded.components.every((c) => c.state === 'running')).toBe(true);

    await backend.deploy(spec);
    const adopted = await pids(backend);
    expect(adopted.supervisor).not.toBe(original.supervisor);
    expect({ ...adopted, supervisor: 0 }).toEqual({ ...original, supervisor: 0 });

    // A second supervisor for the same control plane sees the lock and leaves.
    const second = spawnSync(process.execPath, [await supervisorEntry(root), backend.layout(id).dir], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('another supervisor owns this control plane');
    expect((await pids(backend)).supervisor).toBe(adopted.supervisor);

    // An adopted component is not the new supervisor's child: it is watched through its pidfile.
    process.kill(adopted['kube-scheduler'] ?? 0, 'SIGKILL');
    const scheduler = await eventually('a restarted kube-scheduler', async () => {
      const c = (await backend.status(id)).components.find((x) => x.name === 'kube-scheduler');
      return c?.state === 'running' && c.pid !== adopted['kube-scheduler'] ? c : undefined;
    });
    expect(scheduler.restarts).toBe(1);
    await backend.waitReady(id, { timeoutMs: 60_000 });
    expect((await backend.status(id)).phase).toBe('Running');
  });

  it('leaves no process, port or directory behind when destroyed', async () => {
    const backend = new LocalSeedBackend({ root });
    const running = Object.values(await pids(backend)).filter((p): p is number => p !== undefined);
    const { ports } = JSON.parse(readFileSync(backend.layout(id).state, 'utf8'));
    const portList = Object.values(ports) as number[];
    expect(running).toHaveLength(5);
    expect(await listening('127.0.0.1', ports.apiServer)).toBe(true);

    await backend.destroy(id);
    for (const pid of running) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const port of portList) expect(await listening('127.0.0.1', port), `port ${port}`).toBe(false);
    expect(existsSync(backend.layout(id).dir)).toBe(false);
    expect((await backend.status(id)).phase).toBe('Absent');
    await backend.destroy(id); // idempotent
  });
});
