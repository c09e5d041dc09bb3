import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BinaryName, binary } from '@gardener-ts/infra/toolchain';
import {
  ensureControlPlanePki,
  issueShortLivedKubeconfig,
  pkiPaths,
  renderKubeconfig,
  type ShortLivedKubeconfig,
  writeSecret,
} from '@gardener-ts/pki';
import { SeedError, SeedErrorCode } from '../errors.js';
import type {
  BootstrapToken,
  BootstrapTokenOptions,
  ComponentName,
  ComponentStatus,
  ControlPlaneEndpoint,
  ControlPlaneSpec,
  ControlPlaneStatus,
  KubeconfigRequest,
  SeedBackend,
  SystemComponentsHealth,
  WaitOptions,
} from '../types.js';
import { createBootstrapToken, ensureClusterBootstrap } from './cluster-bootstrap.js';
import {
  apiServerUrl,
  type ControlPlaneTuning,
  DEFAULT_TUNING,
  firstServiceIP,
  KWOK_POD_STAGES,
  LOOPBACK,
  type Ports,
  supervisorConfig,
} from './components.js';
import { coreDnsProblem, ensureCoreDns } from './core-dns.js';
import { launchSupervisor } from './launch.js';
import {
  ALL_COMPONENTS,
  componentsOf,
  defaultSeedRoot,
  isControlPlaneId,
  type ShootLayout,
  shootLayout,
} from './layout.js';
import { claimListenAddress, releaseListenAddress } from './listen-address.js';
import { SeedPorts } from './ports.js';
import {
  isAlive,
  livePid,
  type PidRecord,
  readPidFile,
  signalGroup,
  terminate,
  waitForExit,
} from './processes.js';
import { ShootClient } from './shoot-client.js';

export interface LocalSeedBackendOptions {
  /** where control-plane directories live; default defaultSeedRoot() (per-user state dir) */
  readonly root?: string;
  /** binary paths; default the pinned toolchain's */
  readonly binaries?: Partial<Record<ComponentName, string>>;
  readonly tuning?: ControlPlaneTuning;
  /**
   * control planes of this backend starting at once (launched, kube-apiserver not yet ready);
   * default the number of cores. Twenty starting at once on 2 cores took 222 s: all of them slow,
   * each polled by its clients, none ready early (libs/seed/README.md).
   */
  readonly startConcurrency?: number;
}

/** How long a start holds its slot at most, ready or not (a stuck start must not block others). */
const START_SLOT_MAX_MS = 60_000;

/** state.json: what deploy decided, so that later calls (from any process) agree on it. */
interface DeployedState {
  readonly spec: ControlPlaneSpec;
  readonly clusterName: string;
  readonly ports: Ports;
  /** the listen address this backend put on the loopback interface, to remove on destroy */
  readonly claimedAddress?: string;
}

/**
 * Hosts each shoot's control plane as processes on this machine, under a per-shoot directory:
 * pki/ (0700, keys 0600), secrets/ (encryption-at-rest key), kubeconfigs/, etcd/ (data), logs/,
 * run/ (pidfiles and status). A detached supervisor per control plane owns the four components
 * (see supervisor.ts); this class only writes configuration, launches or signals the supervisor,
 * and talks to the shoot's API server.
 */
export class LocalSeedBackend implements SeedBackend {
  readonly root: string;
  private readonly binaryOverrides: Partial<Record<ComponentName, string>>;
  private readonly tuning: ControlPlaneTuning;
  private readonly ports: SeedPorts;
  private readonly starts: Slots;

  constructor(options: LocalSeedBackendOptions = {}) {
    this.root = options.root ?? defaultSeedRoot();
    this.binaryOverrides = options.binaries ?? {};
    this.tuning = options.tuning ?? DEFAULT_TUNING;
    this.ports = new SeedPorts(() => this.portsInUse());
    this.starts = new Slots(options.startConcurrency ?? availableParallelism());
  }

  layout(id: string): ShootLayout {
    return shootLayout(this.root, id);
  }

  async deploy(spec: ControlPlaneSpec): Promise<void> {
    validateSpec(spec);
    const layout = this.layout(spec.id);
    for (const dir of [
      layout.dir,
      layout.run,
      layout.logs,
      layout.kubeconfigs,
      layout.secrets,
      layout.etcdData,
    ]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    const clusterName = spec.clusterName ?? spec.id;
    const previous = readState(layout);
    const claimed =
      (await claimListenAddress(spec.listenAddress)) || previous?.claimedAddress === spec.listenAddress;
    // Keep the ports of an earlier deploy (clients and machines know them) unless the address moved.
    const ports =
      previous && previous.spec.listenAddress === spec.listenAddress
        ? {
            ...previous.ports,
            kwok: previous.ports.kwok ?? (await this.ports.claim(LOOPBACK, ['kwok'])).kwok,
          }
        : await this.allocatePorts(spec);

    const pki = await ensureControlPlanePki(layout.pki, {
      clusterName,
      apiServerHosts: [spec.listenAddress, ...(spec.extraSANs ?? [])],
      serviceIP: firstServiceIP(spec.serviceCidr),
    });
    ensureEncryptionConfig(layout);
    if (spec.simulatePods) writeIfChanged(layout.kwokConfig, KWOK_POD_STAGES, 0o600);
    const server = apiServerUrl(spec, ports);
    for (const name of ['admin', 'kube-controller-manager', 'kube-scheduler'] as const) {
      const kubeconfig = renderKubeconfig({
        clusterName,
        server,
        caPem: pki.cas.ca.certPem,
        user: { name, ...pki.leaves[name] },
      });
      writeIfChanged(layout.kubeconfig(name), kubeconfig, 0o600);
    }

    const config = supervisorConfig({
      spec,
      clusterName,
      layout,
      ports,
      binaries: this.binaries(),
      tuning: this.tuning,
    });
    const state: DeployedState = {
      spec,
      clusterName,
      ports,
      ...(claimed ? { claimedAddress: spec.listenAddress } : {}),
    };
    writeIfChanged(layout.state, `${JSON.stringify(state, null, 2)}\n`, 0o600);
    const configChanged = writeIfChanged(
      layout.supervisorConfig,
      `${JSON.stringify(config, null, 2)}\n`,
      0o600,
    );

    const supervisor = livePid(layout.pidFile('supervisor'));
    if (supervisor) {
      // Adopt: the running supervisor keeps its components; a changed config is applied in place.
      if (configChanged) signalGroup(supervisor, 'SIGHUP');
      return;
    }
    const release = await this.starts.acquire();
    try {
      await launchSupervisor(this.root, layout);
    } catch (error) {
      release();
      throw error;
    }
    void this.releaseWhenReady(spec.id, release);
  }

  /** Gives the start slot back once kube-apiserver answers /readyz, or after START_SLOT_MAX_MS. */
  private async releaseWhenReady(id: string, release: () => void): Promise<void> {
    const deadline = Date.now() + START_SLOT_MAX_MS;
    try {
      const [apiServer] = this.readinessChecks(id).checks;
      while (apiServer && Date.now() < deadline && (await runCheck(...apiServer))) await sleep(200);
    } catch {
      // destroyed meanwhile
    } finally {
      release();
    }
  }

  async waitReady(id: string, options: WaitOptions = {}): Promise<void> {
    const { admin, checks } = this.readinessChecks(id);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const [apiServer, ...others] = checks;
    const until = (check: (typeof checks)[number]) =>
      untilPasses(check, deadline, options.signal, (problem) => {
        throw new SeedError(
          SeedErrorCode.NotReady,
          `control plane ${id} not ready after ${timeoutMs} ms (${problem})`,
        );
      });
    if (apiServer) await until(apiServer);
    // Once the API server is ready, the bootstrap writes need not wait for the other two components.
    const coreDns = readState(this.layout(id))?.spec.coreDns;
    const bootstrap = async () => {
      await ensureClusterBootstrap(admin);
      if (coreDns) await ensureCoreDns(admin, coreDns);
    };
    await Promise.all([...others.map(until), retryUntil(bootstrap, deadline, options.signal)]);
  }

  async probe(id: string): Promise<string | undefined> {
    for (const [name, check] of this.readinessChecks(id).checks) {
      const problem = await runCheck(name, check);
      if (problem) return problem;
    }
    return undefined;
  }

  /** kube-apiserver's /readyz and the controller-manager's and scheduler's /healthz. */
  private readinessChecks(id: string) {
    const layout = this.layout(id);
    const state = requireState(layout, id);
    const ca = readFileSync(pkiPaths(layout.pki).cert('ca'), 'utf8');
    const admin = this.adminClient(layout, state);
    const healthz = (port: number) => new ShootClient({ server: `https://${LOOPBACK}:${port}`, caPem: ca });
    const checks: Check[] = [
      ['kube-apiserver /readyz', () => admin.request('GET', '/readyz', undefined, 3_000)],
      [
        'kube-controller-manager /healthz',
        () => healthz(state.ports.controllerManager).request('GET', '/healthz', undefined, 3_000),
      ],
      [
        'kube-scheduler /healthz',
        () => healthz(state.ports.scheduler).request('GET', '/healthz', undefined, 3_000),
      ],
    ];
    return { admin, checks };
  }

  async systemComponents(id: string): Promise<SystemComponentsHealth> {
    const layout = this.layout(id);
    const state = readState(layout);
    if (!state?.spec.coreDns) return { deployed: false };
    const problem = await coreDnsProblem(this.adminClient(layout, state)).catch(
      (error: Error) => `CoreDNS cannot be read: ${error.message}`,
    );
    return problem ? { deployed: true, problem } : { deployed: true };
  }

  async status(id: string): Promise<ControlPlaneStatus> {
    const layout = this.layout(id);
    if (!existsSync(layout.state)) return { id, phase: 'Absent', components: [] };
    const supervisor = livePid(layout.pidFile('supervisor'));
    let reported: ComponentStatus[] = [];
    try {
      reported = JSON.parse(readFileSync(layout.status, 'utf8')).components ?? [];
    } catch {
      // not written yet
    }
    const components = componentsOf(readState(layout)?.spec ?? {}).map((name): ComponentStatus => {
      const entry = reported.find((c) => c.name === name) ?? { name, state: 'stopped' as const, restarts: 0 };
      const pid = livePid(layout.pidFile(name));
      return pid
        ? { ...entry, state: 'running', pid: pid.pid }
        : { ...entry, pid: undefined, state: entry.state === 'running' ? 'stopped' : entry.state };
    });
    const healthy = supervisor !== undefined && components.every((c) => c.state === 'running');
    return { id, phase: healthy ? 'Running' : 'Degraded', supervisorPid: supervisor?.pid, components };
  }

  async endpoint(id: string): Promise<ControlPlaneEndpoint> {
    const layout = this.layout(id);
    const state = requireState(layout, id);
    return {
      url: apiServerUrl(state.spec, state.ports),
      address: state.spec.listenAddress,
      port: state.ports.apiServer,
      caPem: readFileSync(pkiPaths(layout.pki).cert('ca'), 'utf8'),
    };
  }

  async destroy(id: string): Promise<void> {
    const layout = this.layout(id);
    if (!existsSync(layout.dir)) return;
    await this.stop(id);
    const claimed = readState(layout)?.claimedAddress;
    if (claimed) await releaseListenAddress(claimed);
    rmSync(layout.dir, { recursive: true, force: true });
  }

  private async allocatePorts(spec: ControlPlaneSpec): Promise<Ports> {
    const { apiServer } = await this.ports.claim(spec.listenAddress, ['apiServer']);
    const loopback = await this.ports.claim(LOOPBACK, [
      'etcdClient',
      'etcdPeer',
      'controllerManager',
      'scheduler',
      'kwok',
    ]);
    return { apiServer, ...loopback };
  }

  /** Every port a control plane of this seed was given (deployed, running or stopped). */
  private portsInUse(): Set<number> {
    const entries = existsSync(this.root) ? readdirSync(this.root, { withFileTypes: true }) : [];
    const ports = entries
      .filter((entry) => entry.isDirectory() && isControlPlaneId(entry.name))
      .flatMap((entry) => Object.values(readState(this.layout(entry.name))?.ports ?? {}));
    return new Set(ports.filter((port): port is number => typeof port === 'number'));
  }

  /** Directories under the root named like a control plane (the supervisor's `.supervisor/` is not). */
  async list(): Promise<string[]> {
    const entries = existsSync(this.root) ? readdirSync(this.root, { withFileTypes: true }) : [];
    return entries
      .filter((entry) => entry.isDirectory() && isControlPlaneId(entry.name))
      .map((entry) => entry.name)
      .sort();
  }

  async stop(id: string): Promise<void> {
    const layout = this.layout(id);
    if (!existsSync(layout.dir)) return;
    const supervisor = livePid(layout.pidFile('supervisor'));
    if (supervisor) {
      // The supervisor stops its components (SIGTERM, grace, SIGKILL) before it exits.
      signalGroup(supervisor, 'SIGTERM');
      if (!(await waitForExit([supervisor], 30_000))) await terminate([supervisor], 0);
    }
    // Whatever still runs (a supervisor that was dead, or one killed above) is stopped here.
    const leftovers = ALL_COMPONENTS.map((name) => readPidFile(layout.pidFile(name))).filter(
      (r): r is PidRecord => r !== undefined,
    );
    await terminate(leftovers, 10_000);
    const stillRunning = leftovers.filter((r) => isAlive(r.pid, r.startTime));
    if (stillRunning.length) throw new SeedError(SeedErrorCode.StopFailed, `processes of ${id} did not stop`);
  }

  async createBootstrapToken(id: string, options?: BootstrapTokenOptions): Promise<BootstrapToken> {
    const layout = this.layout(id);
    return createBootstrapToken(this.adminClient(layout, requireState(layout, id)), options);
  }

  async issueKubeconfig(id: string, request: KubeconfigRequest): Promise<ShortLivedKubeconfig> {
    const layout = this.layout(id);
    const state = requireState(layout, id);
    const pki = pkiPaths(layout.pki);
    return issueShortLivedKubeconfig({
      ca: { certPem: readFileSync(pki.cert('ca'), 'utf8'), keyPem: readFileSync(pki.key('ca'), 'utf8') },
      clusterName: state.clusterName,
      server: apiServerUrl(state.spec, state.ports),
      role: request.role,
      user: request.user,
      expirationSeconds: request.expirationSeconds,
    });
  }

  /** The seed's own long-lived admin kubeconfig for this shoot (0600, inside the shoot's directory). */
  adminKubeconfigPath(id: string): string {
    return this.layout(id).kubeconfig('admin');
  }

  private adminClient(layout: ShootLayout, state: DeployedState): ShootClient {
    const pki = pkiPaths(layout.pki);
    return new ShootClient({
      server: apiServerUrl(state.spec, state.ports),
      caPem: readFileSync(pki.cert('ca'), 'utf8'),
      certPem: readFileSync(pki.cert('admin'), 'utf8'),
      keyPem: readFileSync(pki.key('admin'), 'utf8'),
    });
  }

  private binaries(): Record<ComponentName, string> {
    const resolveBinary = (name: ComponentName) => this.binaryOverrides[name] ?? binary(name as BinaryName);
    return Object.fromEntries(ALL_COMPONENTS.map((name) => [name, resolveBinary(name)])) as Record<
      ComponentName,
      string
    >;
  }
}

function validateSpec(spec: ControlPlaneSpec): void {
  shootLayout('/', spec.id);
  if (!isIP(spec.listenAddress)) {
    throw new SeedError(
      SeedErrorCode.InvalidSpec,
      `listenAddress ${spec.listenAddress} is not an IP address`,
    );
  }
  try {
    firstServiceIP(spec.serviceCidr);
  } catch (error) {
    throw new SeedError(SeedErrorCode.InvalidSpec, (error as Error).message);
  }
}

function readState(layout: ShootLayout): DeployedState | undefined {
  try {
    return JSON.parse(readFileSync(layout.state, 'utf8')) as DeployedState;
  } catch {
    return undefined;
  }
}

function requireState(layout: ShootLayout, id: string): DeployedState {
  const state = readState(layout);
  if (!state) throw new SeedError(SeedErrorCode.NotFound, `no control plane ${id} under ${layout.dir}`);
  return state;
}

/** secretbox (XSalsa20-Poly1305) for secrets; identity last so that pre-existing plain data stays readable. */
function ensureEncryptionConfig(layout: ShootLayout): void {
  if (existsSync(layout.encryptionConfig)) return;
  const key = randomBytes(32).toString('base64');
  writeSecret(
    layout.encryptionConfig,
    [
      'apiVersion: apiserver.config.k8s.io/v1',
      'kind: EncryptionConfiguration',
      'resources:',
      '  - resources: [secrets]',
      '    providers:',
      '      - secretbox:',
      '          keys:',
      `            - name: key1`,
      `              secret: ${key}`,
      '      - identity: {}',
      '',
    ].join('\n'),
  );
}

/** Writes atomically when the content differs; tells whether it did. */
function writeIfChanged(path: string, content: string, mode: number): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch {
    // absent
  }
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
  return true;
}

/** A counting semaphore: at most `limit` holders, the others wait in order. */
class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
  }
}

type Check = readonly [string, () => Promise<{ status: number; text: string }>];

/** Runs the check every 100 ms until it passes; `expired` gets its last problem after the deadline. */
async function untilPasses(
  [name, check]: Check,
  deadline: number,
  signal: AbortSignal | undefined,
  expired: (problem: string) => never,
): Promise<void> {
  for (;;) {
    signal?.throwIfAborted();
    const problem = await runCheck(name, check);
    if (!problem) return;
    if (Date.now() >= deadline) expired(problem);
    await sleep(100);
  }
}

/** A ready API server that starts slowly (many starting at once) may still time a write out. */
async function retryUntil(work: () => Promise<void>, deadline: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      signal?.throwIfAborted();
      if (!transient(error) || Date.now() >= deadline) throw error;
      await sleep(500);
    }
  }
}

/** a socket error or timeout, or an answer of a server in trouble (ShootClient's message names the status) */
function transient(error: unknown): boolean {
  if (!(error instanceof SeedError)) return true;
  return error.code === SeedErrorCode.ShootApi && /: HTTP (429|5\d\d) /.test(error.message);
}

/** What a failed check says, or undefined when it answered 200. */
async function runCheck(
  name: string,
  check: () => Promise<{ status: number; text: string }>,
): Promise<string | undefined> {
  try {
    const response = await check();
    return response.status === 200
      ? undefined
      : `${name}: HTTP ${response.status} ${response.text.slice(0, 500)}`;
  } catch (error) {
    return `${name}: ${(error as Error).message}`;
  }
}
