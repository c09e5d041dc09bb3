/**
 * The per-control-plane supervisor: a small detached Node process that owns one shoot's etcd,
 * kube-apiserver, controller-manager and scheduler. Run as `node supervisor.js <shoot-dir>`.
 *
 * Why a process of its own: control-plane processes belong to the seed, not to the gardenlet that
 * happened to start them. A gardenlet can die or be replaced at any time; if it were the one
 * restarting crashed components, nobody would while it is gone. The supervisor runs in its own
 * session (setsid), so it survives its starter, and restarts components with exponential backoff.
 *
 * Components also run in sessions of their own and are tracked through pidfiles (pid + start time),
 * so a supervisor that dies does not take the control plane down: the next deploy starts a new
 * supervisor, which adopts the running components from their pidfiles and watches them by polling.
 * A pidfile lock (run/supervisor.pid) keeps it to one supervisor per control plane.
 *
 * Signals: SIGTERM/SIGINT stop every component (SIGTERM, grace, SIGKILL) and exit; SIGHUP re-reads
 * supervisor.json and restarts the components whose command line changed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '@gardener-ts/api/backoff';
import type { ComponentState, ComponentStatus } from '../types.js';
import { shootLayout } from './layout.js';
import {
  isAlive,
  livePid,
  type PidRecord,
  processCommandLine,
  processStartTime,
  removeFile,
  signalGroup,
  terminate,
  writePidFile,
} from './processes.js';
import type { SupervisedComponent, SupervisorConfig, WaitFor } from './supervisor-config.js';

interface Managed {
  spec: SupervisedComponent;
  state: ComponentState;
  record?: PidRecord;
  child?: ChildProcess;
  /** increases each time a start is scheduled, so a stale timer or exit cannot act twice */
  generation: number;
  startedAt?: number;
  restarts: number;
  /** restarts since the last run that lasted resetAfterMs: the backoff's retry number */
  shortRuns: number;
  restartNow: boolean;
  timer?: NodeJS.Timeout;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

const POLL_MS = 500;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function readConfig(path: string): SupervisorConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as SupervisorConfig;
}

const sameSpec = (a: SupervisedComponent, b: SupervisedComponent) => JSON.stringify(a) === JSON.stringify(b);

async function tcpReady(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A GET over mutual TLS that answers 200 within 3 s. */
async function httpsReady(host: string, port: number, tls: NonNullable<WaitFor['https']>): Promise<boolean> {
  let options: { ca: Buffer; cert: Buffer; key: Buffer };
  try {
    options = {
      ca: readFileSync(tls.caFile),
      cert: readFileSync(tls.certFile),
      key: readFileSync(tls.keyFile),
    };
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const req = request({ host, port, path: tls.path, ...options, agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const answers = ({ host, port, https }: WaitFor) =>
  https ? httpsReady(host, port, https) : tcpReady(host, port);

export async function runSupervisor(shootDir: string): Promise<void> {
  const layout = shootLayout(dirname(shootDir), basename(shootDir));
  mkdirSync(layout.run, { recursive: true });
  mkdirSync(layout.logs, { recursive: true });

  if (!acquireLock(layout.pidFile('supervisor'), shootDir)) {
    log('another supervisor owns this control plane; exiting');
    return;
  }
  // No process.title: it would overwrite /proc/<pid>/cmdline, which the lock check reads.

  let config = readConfig(layout.supervisorConfig);
  let stopping = false;
  const managed = new Map<string, Managed>();

  const writeStatus = () => {
    const components: ComponentStatus[] = [...managed.values()].map((m) => ({
      name: m.spec.name,
      state: m.state,
      pid: m.record?.pid,
      restarts: m.restarts,
      startedAt: m.startedAt ? new Date(m.startedAt).toISOString() : undefined,
      lastExit: m.lastExit,
    }));
    const temporary = `${layout.status}.tmp`;
    writeFileSync(temporary, JSON.stringify({ supervisorPid: process.pid, components }, null, 2));
    renameSync(temporary, layout.status);
  };

  const onExit = (m: Managed, generation: number, code: number | null, signal: string | null) => {
    if (m.generation !== generation || m.state !== 'running') return;
    m.child = undefined;
    m.record = undefined;
    removeFile(layout.pidFile(m.spec.name));
    m.lastExit = { code, signal, at: new Date().toISOString() };
    if (stopping) {
      m.state = 'stopped';
      writeStatus();
      return;
    }
    const ranMs = Date.now() - (m.startedAt ?? Date.now());
    m.shortRuns = ranMs >= config.backoff.resetAfterMs ? 1 : m.shortRuns + 1;
    const delay = m.restartNow ? 0 : backoffDelay(config.backoff, m.shortRuns);
    m.restartNow = false;
    m.restarts++;
    m.state = 'backoff';
    log(`${m.spec.name} exited (code ${code}, signal ${signal}) after ${ranMs} ms; restart in ${delay} ms`);
    writeStatus();
    schedule(m, delay);
  };

  const schedule = (m: Managed, delayMs: number) => {
    clearTimeout(m.timer);
    const generation = ++m.generation;
    m.timer = setTimeout(() => void start(m, generation), delayMs);
  };

  const start = async (m: Managed, generation: number) => {
    m.state = 'waiting';
    writeStatus();
    for (const endpoint of m.spec.waitFor ?? []) {
      while (!(await answers(endpoint))) {
        if (stopping || m.generation !== generation) return;
        // a connect attempt costs nothing, each poll interval is start-up time lost; a readiness
        // GET costs the API server a TLS handshake, and it is busy starting
        await sleep(endpoint.https ? 250 : 50);
      }
    }
    if (stopping || m.generation !== generation) return;
    const out = openSync(layout.log(m.spec.name), 'a');
    let child: ChildProcess;
    try {
      child = spawn(m.spec.command, [...m.spec.args], {
        detached: true,
        stdio: ['ignore', out, out],
        cwd: layout.dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...m.spec.env },
      });
    } finally {
      closeSync(out);
    }
    m.state = 'running';
    m.startedAt = Date.now();
    child.once('error', (error) => {
      log(`${m.spec.name}: ${error.message}`);
      onExit(m, generation, null, null);
    });
    child.once('exit', (code, signal) => onExit(m, generation, code, signal));
    if (child.pid) {
      m.child = child;
      m.record = writePidFile(layout.pidFile(m.spec.name), child.pid);
      log(`${m.spec.name} started, pid ${child.pid}`);
    }
    writeStatus();
  };

  /** Takes over a component whose pidfile names a live process running the same command. */
  const adopt = (m: Managed): boolean => {
    const record = livePid(layout.pidFile(m.spec.name));
    if (!record) return false;
    const commandLine = processCommandLine(record.pid);
    if (commandLine[0] !== m.spec.command) return false;
    m.record = record;
    m.state = 'running';
    m.startedAt = Date.now();
    log(`${m.spec.name} adopted, pid ${record.pid}`);
    return true;
  };

  const add = (spec: SupervisedComponent) => {
    const m: Managed = {
      spec,
      state: 'waiting',
      generation: 0,
      restarts: 0,
      shortRuns: 0,
      restartNow: false,
    };
    managed.set(spec.name, m);
    if (adopt(m)) {
      m.generation++;
      // Started by an earlier supervisor from an older config: bring it onto the current one.
      const running = processCommandLine(m.record?.pid ?? 0);
      if (JSON.stringify(running) !== JSON.stringify([spec.command, ...spec.args])) restart(m);
    } else {
      schedule(m, 0);
    }
  };

  /** Stops a running component so that it comes back at once (with a new spec). */
  const restart = (m: Managed) => {
    if (m.state === 'running' && m.record) {
      m.restartNow = true;
      signalGroup(m.record, 'SIGTERM');
    } else {
      schedule(m, 0);
    }
  };

  for (const spec of config.components) add(spec);
  writeStatus();

  // Adopted processes are not our children: no exit event, so poll. Own children are polled too,
  // which costs nothing and catches a missed event.
  const poller = setInterval(() => {
    for (const m of managed.values()) {
      if (m.state === 'running' && m.record && !m.child && !isAlive(m.record.pid, m.record.startTime)) {
        onExit(m, m.generation, null, null);
      }
    }
  }, POLL_MS);

  process.on('SIGHUP', () => {
    let next: SupervisorConfig;
    try {
      next = readConfig(layout.supervisorConfig);
    } catch (error) {
      log(`SIGHUP: cannot read config: ${(error as Error).message}`);
      return;
    }
    const previous = config;
    config = next;
    for (const spec of next.components) {
      const m = managed.get(spec.name);
      if (!m) {
        add(spec);
      } else if (!sameSpec(m.spec, spec)) {
        log(`${spec.name}: configuration changed, restarting`);
        m.spec = spec;
        restart(m);
      }
    }
    for (const old of previous.components) {
      if (!next.components.some((c) => c.name === old.name)) {
        const m = managed.get(old.name);
        managed.delete(old.name);
        if (m) {
          m.generation++;
          clearTimeout(m.timer);
          if (m.record) void terminate([m.record], next.stopGraceMs);
          removeFile(layout.pidFile(old.name));
        }
      }
    }
    writeStatus();
  });

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping every component`);
    clearInterval(poller);
    for (const m of managed.values()) {
      clearTimeout(m.timer);
      m.generation++;
    }
    // Reverse start order, one at a time: dependants first, etcd last. kube-apiserver takes ~1 s
    // to shut down with etcd alive, but hangs out its whole grace period when etcd goes first.
    for (const m of [...managed.values()].reverse()) {
      if (m.record) await terminate([m.record], config.stopGraceMs);
    }
    for (const m of managed.values()) {
      m.state = 'stopped';
      m.record = undefined;
      removeFile(layout.pidFile(m.spec.name));
    }
    writeStatus();
    removeFile(layout.pidFile('supervisor'));
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * One supervisor per control plane: the pidfile is created exclusively; a stale one (dead pid, or
 * a pid now used by something else) is replaced.
 */
function acquireLock(path: string, shootDir: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid} ${processStartTime(process.pid)}\n`, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = livePid(path);
    if (holder && holder.pid !== process.pid && processCommandLine(holder.pid).includes(shootDir))
      return false;
    removeFile(path);
  }
  return false;
}

const entry = process.argv[1] ?? '';
if (/supervisor\.(js|ts)$/.test(entry)) {
  const shootDir = process.argv[2];
  if (!shootDir) {
    process.stderr.write('usage: supervisor <shoot-dir>\n');
    process.exit(2);
  }
  runSupervisor(shootDir).catch((error: unknown) => {
    log(`supervisor failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
