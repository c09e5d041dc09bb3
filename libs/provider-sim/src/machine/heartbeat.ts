import type { HeartbeatSettings } from '../dependencies.js';
import { unexpected } from '../kube/api-client.js';
import type { ShootConnections } from '../kube/connections.js';
import {
  heartbeats,
  type KubeNode,
  LEASES_PATH,
  leaseFor,
  leasePath,
  microTime,
  nodePath,
  readyAtOf,
  readyCondition,
  readyConditionOf,
  shootNodesPath,
} from './objects.js';

export const DEFAULT_HEARTBEAT: Required<HeartbeatSettings> = {
  intervalMs: 10_000,
  statusIntervalMs: 60_000,
  leaseDurationSeconds: 40,
  concurrency: 16,
  maxFailedBeats: 6,
};

/**
 * a Lease is renewed by a beat once its last renewal is this share of an interval old: beats are at
 * least an interval apart, so a Lease is at most two intervals and one beat old, well inside the node
 * monitor's grace period, and a burst of creates is not renewed again a few seconds after it was written
 */
const RENEW_AT_SHARE = 0.9;
/** a deleted machine's lease is not recreated for this long (a beat may have listed it before) */
const DELETING_MS = 120_000;

/** What one heartbeat of a shoot did. */
export interface BeatReport {
  readonly at: Date;
  /** Nodes kept alive */
  readonly nodes: number;
  /** of them, the ones whose lease or status could not be written */
  readonly failed: number;
  /** Ready conditions written (a boot finished, a heartbeat refreshed, a Node recovered) */
  readonly statusWrites: number;
  readonly durationMs: number;
}

/**
 * The kubelet's heartbeat for every sim machine this process has seen, one loop per shoot: each
 * beat lists the shoot's sim Nodes once, renews each one's Lease in kube-node-lease, turns booted
 * Nodes Ready and refreshes their Ready condition now and then, a bounded number of calls at a
 * time. A loop stops when its shoot has no machine left to keep (or its API server stays
 * unreachable); create, status and list start it again.
 */
export class Heartbeats {
  private readonly loops = new Map<string, ShootHeartbeat>();
  private readonly deleting = new Map<string, number>();
  private readonly options: Required<HeartbeatSettings>;

  constructor(
    private readonly api: ShootConnections,
    settings: HeartbeatSettings = {},
  ) {
    this.options = { ...DEFAULT_HEARTBEAT, ...settings };
  }

  /** Keeps the shoot's machines alive from now on; `wakeAt` asks for a beat by then (a boot ends). */
  keep(technicalId: string, wakeAt?: number): void {
    let loop = this.loops.get(technicalId);
    if (!loop) {
      loop = new ShootHeartbeat(technicalId, this.api, this.options, this.isDeleting, () => {
        if (this.loops.get(technicalId) === loop) this.loops.delete(technicalId);
      });
      this.loops.set(technicalId, loop);
    }
    loop.touch(wakeAt ?? Date.now() + this.options.intervalMs);
  }

  /** The machine is being deleted: beats must not recreate its Lease. */
  deleted(technicalId: string, name: string): void {
    const now = Date.now();
    for (const [key, until] of this.deleting) if (until < now) this.deleting.delete(key);
    this.deleting.set(`${technicalId}/${name}`, now + DELETING_MS);
  }

  /** The machine is being created (again). */
  created(technicalId: string, name: string): void {
    this.deleting.delete(`${technicalId}/${name}`);
  }

  /** The machine's Lease was just written (created): the next beat need not renew it yet. */
  renewed(technicalId: string, name: string): void {
    this.loops.get(technicalId)?.renewed(name, Date.now());
  }

  /** the shoots whose machines this process keeps alive */
  shoots(): string[] {
    return [...this.loops.keys()].sort();
  }

  lastBeat(technicalId: string): BeatReport | undefined {
    return this.loops.get(technicalId)?.last;
  }

  close(): void {
    for (const loop of this.loops.values()) loop.stop();
    this.loops.clear();
  }

  private readonly isDeleting = (technicalId: string, name: string): boolean =>
    (this.deleting.get(`${technicalId}/${name}`) ?? 0) > Date.now();
}

class ShootHeartbeat {
  last?: BeatReport;
  private timer?: NodeJS.Timeout;
  private dueAt = Number.POSITIVE_INFINITY;
  private wakeAfterBeat = Number.POSITIVE_INFINITY;
  private beating = false;
  private stopped = false;
  /** bumped by every touch: a loop touched during a beat does not stop after it */
  private touches = 0;
  private failedBeats = 0;
  /** when this process last wrote each Node's Lease: a burst of creates is not renewed at once */
  private readonly renewedAt = new Map<string, number>();

  constructor(
    private readonly technicalId: string,
    private readonly api: ShootConnections,
    private readonly options: Required<HeartbeatSettings>,
    private readonly isDeleting: (technicalId: string, name: string) => boolean,
    private readonly onStop: () => void,
  ) {}

  touch(wakeAt: number): void {
    this.touches += 1;
    this.wake(wakeAt);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  renewed(name: string, at: number): void {
    this.renewedAt.set(name, at);
  }

  private wake(at: number): void {
    if (this.stopped) return;
    if (this.beating) {
      this.wakeAfterBeat = Math.min(this.wakeAfterBeat, at);
      return;
    }
    if (at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => void this.run(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    this.beating = true;
    const touches = this.touches;
    let next: number | 'stop';
    try {
      next = await this.beat();
    } catch {
      next = this.failed();
    } finally {
      this.beating = false;
    }
    if (next === 'stop' && this.touches === touches) {
      this.stopped = true;
      this.onStop();
      return;
    }
    const wakeAt = Math.min(
      next === 'stop' ? Date.now() + this.options.intervalMs : next,
      this.wakeAfterBeat,
    );
    this.wakeAfterBeat = Number.POSITIVE_INFINITY;
    this.wake(wakeAt);
  }

  /** One beat; returns when the next one is due, or 'stop'. */
  private async beat(): Promise<number | 'stop'> {
    const started = Date.now();
    const listed = await this.api.get(this.technicalId, shootNodesPath(this.technicalId));
    if (listed.status !== 200) return this.failed();
    const nodes = ((listed.body as { items?: KubeNode[] }).items ?? []).filter(heartbeats);
    const listedNames = new Set(nodes.map((node) => node.metadata.name));
    for (const name of this.renewedAt.keys()) if (!listedNames.has(name)) this.renewedAt.delete(name);
    if (nodes.length === 0) return 'stop';
    const now = new Date();
    let failed = 0;
    let statusWrites = 0;
    await forEachLimit(nodes, this.options.concurrency, async (node) => {
      try {
        if (await this.beatNode(node, now)) statusWrites += 1;
      } catch {
        failed += 1;
      }
    });
    this.last = { at: now, nodes: nodes.length, failed, statusWrites, durationMs: Date.now() - started };
    if (failed === nodes.length) return this.failed();
    this.failedBeats = 0;
    const boots = nodes.map(readyAtOf).filter((at) => at > now.getTime());
    return Math.min(Date.now() + this.options.intervalMs, ...boots);
  }

  private failed(): number | 'stop' {
    this.failedBeats += 1;
    return this.failedBeats >= this.options.maxFailedBeats ? 'stop' : Date.now() + this.options.intervalMs;
  }

  /** Renews the Node's Lease and, when due, its Ready condition; tells whether it wrote the latter. */
  private async beatNode(node: KubeNode, now: Date): Promise<boolean> {
    const { name } = node.metadata;
    if (now.getTime() - (this.renewedAt.get(name) ?? 0) >= this.options.intervalMs * RENEW_AT_SHARE) {
      await this.renewLease(node, now);
      this.renewedAt.set(name, now.getTime());
    }
    if (readyAtOf(node) > now.getTime()) return false;
    const ready = readyConditionOf(node);
    const isReady = ready?.status === 'True';
    const age = now.getTime() - Date.parse(ready?.lastHeartbeatTime ?? '');
    if (isReady && age < this.options.statusIntervalMs) return false;
    const condition = readyCondition(true, 'kubelet is posting ready status (sim)', now, !isReady);
    const patched = await this.api.patch(
      this.technicalId,
      `${nodePath(name)}/status`,
      { status: { conditions: [condition] } },
      'strategic',
    );
    if (patched.status === 404) return false;
    if (patched.status !== 200) throw unexpected(`update status of node ${name}`, patched);
    return true;
  }

  private async renewLease(node: KubeNode, now: Date): Promise<void> {
    const { name } = node.metadata;
    const { leaseDurationSeconds } = this.options;
    const renewal = { spec: { holderIdentity: name, leaseDurationSeconds, renewTime: microTime(now) } };
    const renewed = await this.api.patch(this.technicalId, leasePath(name), renewal, 'merge');
    if (renewed.status === 404 && !this.isDeleting(this.technicalId, name)) {
      const lease = leaseFor(node, this.technicalId, leaseDurationSeconds, now);
      const created = await this.api.post(this.technicalId, LEASES_PATH, lease);
      if (created.status !== 201 && created.status !== 409) throw unexpected(`create lease ${name}`, created);
    } else if (renewed.status !== 200 && renewed.status !== 404) {
      throw unexpected(`renew lease ${name}`, renewed);
    }
  }
}

/** Runs `work` for every item, at most `limit` at a time. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
