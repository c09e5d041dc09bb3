import {
  ApiError,
  EventReason,
  type KubeObject,
  type ResourceType,
  type Seed,
  type Shoot,
  timestamp,
} from '@gardener-ts/api';
import {
  type ChangeEvent,
  EventRecorder,
  GardenClient,
  InProcessTransport,
  isConflict,
  isNotFound,
  type Watcher,
} from '@gardener-ts/client';
import { type ResourceRepository, type ResourceService, StoreError } from '@gardener-ts/store';
import { type ChooseOptions, chooseSeed, type SeedChoice } from './choose.js';

export interface ShootSchedulerOptions {
  /** Unschedulable shoots are tried again this often even when no seed changed. */
  retryMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

/** Losing a race to another writer (or the shoot being gone) just means the next pass decides again. */
function isRace(error: unknown): boolean {
  return (
    error instanceof StoreError ||
    isConflict(error) ||
    isNotFound(error) ||
    (error instanceof ApiError && (error.code === 'NotFound' || error.code === 'Conflict'))
  );
}

/**
 * Binds shoots to seeds: at create (a ResourceService create hook, so the node network is allocated
 * in the same write) and, for shoots that did not fit, again whenever a seed or a shoot changes and
 * every `retryMs`. A shoot that fits nowhere shows why in status.lastOperation (state Pending).
 */
/** How long a count of shoots per seed, or the list of seeds, is reused. */
const COUNT_TTL_MS = 1_000;
const SEEDS_TTL_MS = 1_000;
/** Bindings made at create, awaiting the stored shoot (its uid) for their event; older ones are dropped. */
const BOUND_AT_CREATE_TTL_MS = 60_000;
const BOUND_AT_CREATE_MAX = 10_000;

export class ShootScheduler {
  private readonly client: GardenClient;
  private readonly watches: Watcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private counts: { at: number; counting: Promise<Map<string, number>> } | undefined;
  private seeds: { at: number; writes: number; listing: Promise<Seed[]> } | undefined;
  /** What scheduling reads of each seed, as last seen: other changes do not start a pass. */
  private readonly seedViews = new Map<string, string>();
  /** `namespace/name` → when this process bound it at create: its SchedulingSuccessful event is due */
  private readonly boundAtCreate = new Map<string, number>();
  private readonly events: EventRecorder;

  constructor(
    private readonly resources: ResourceService,
    private readonly repository: ResourceRepository,
    private readonly options: ShootSchedulerOptions = {},
  ) {
    this.client = new GardenClient(new InProcessTransport(resources, 'gardener-scheduler'));
    this.events = new EventRecorder(this.client, {
      component: 'gardener-scheduler',
      logger: { warn: (message) => this.options.onError?.(new Error(message)) },
    });
  }

  /**
   * The create hook: a shoot without spec.seedName gets the best seed, if any fits. A shoot that
   * names its own node network and fits a seed but for its networks is bound to that seed all the
   * same, so that admission refuses the create saying what is wrong with the network (outside the
   * seed's range, on another shoot's) instead of leaving a shoot that waits for no reason it sees.
   */
  readonly onCreate = async (type: ResourceType, obj: KubeObject): Promise<void> => {
    if (type.kind !== 'Shoot') return;
    const shoot = obj as unknown as Shoot;
    if (shoot.spec.seedName) return;
    let choice = await this.choose(shoot);
    // the reused count also holds bindings whose create was then refused: count again before giving up
    if ('reason' in choice) {
      this.counts = undefined;
      choice = await this.choose(shoot);
    }
    if ('reason' in choice && shoot.spec.networking?.nodes)
      choice = await this.choose(shoot, { ignoreNetworks: true });
    if ('reason' in choice) return;
    shoot.spec.seedName = choice.seedName;
    this.rememberBinding(shoot);
  };

  /** The event of a create-time binding waits for the stored shoot (the Shoot watch's ADDED). */
  private rememberBinding(shoot: Shoot): void {
    const now = Date.now();
    for (const [key, at] of this.boundAtCreate) {
      if (now - at <= BOUND_AT_CREATE_TTL_MS && this.boundAtCreate.size < BOUND_AT_CREATE_MAX) break;
      this.boundAtCreate.delete(key);
    }
    this.boundAtCreate.set(`${shoot.metadata.namespace}/${shoot.metadata.name}`, now);
  }

  private scheduled(shoot: Shoot): void {
    const seed = shoot.spec.seedName ?? '';
    this.events.event(shoot, 'Normal', EventReason.SchedulingSuccessful, `Scheduled to seed '${seed}'`);
  }

  async choose(shoot: Shoot, options: ChooseOptions = {}): Promise<SeedChoice> {
    const [seeds, counts] = await Promise.all([this.seedList(), this.shootsPerSeed()]);
    const candidates = await Promise.all(
      seeds.map(async (seed) => {
        const name = seed.metadata.name ?? '';
        return { seed, shoots: counts.get(name) ?? 0, ...(await this.nodeNetworksOn(name, shoot)) };
      }),
    );
    const choice = chooseSeed(shoot, candidates, options);
    // the reused count includes this binding at once, so the next choice sees it
    if (!('reason' in choice)) counts.set(choice.seedName, (counts.get(choice.seedName) ?? 0) + 1);
    return choice;
  }

  /** For a shoot that names its node network: the node networks of the other shoots on a seed. */
  private async nodeNetworksOn(seedName: string, shoot: Shoot): Promise<{ nodeNetworks?: string[] }> {
    if (!shoot.spec.networking?.nodes) return {};
    const others = await this.resources.lookups.shootsOnSeed(seedName, {
      namespace: shoot.metadata.namespace ?? '',
      name: shoot.metadata.name ?? '',
    });
    return { nodeNetworks: others.flatMap((other) => (other.nodes ? [other.nodes] : [])) };
  }

  /**
   * Shoots per seed, counted at most once per COUNT_TTL_MS: counting scans every shoot, which at
   * 10,000 shoots dominated the create latency. Bindings made here are added to it at once and a
   * deletion drops it; what other API replicas bind shows within a second (capacity was never
   * locked across replicas).
   */
  private shootsPerSeed(): Promise<Map<string, number>> {
    const now = Date.now();
    if (!this.counts || now - this.counts.at > COUNT_TTL_MS) {
      const counting = this.repository.countBy('Shoot', 'spec.seedName');
      this.counts = { at: now, counting };
      counting.catch(() => {
        if (this.counts?.counting === counting) this.counts = undefined;
      });
    }
    return this.counts.counting;
  }

  /**
   * Every seed, read at most once per SEEDS_TTL_MS: each create chooses among them, and reading
   * and decoding every Seed was a round trip and a parse per create. A seed written by this process
   * is read afresh at once (the store counts committed writes), one written elsewhere when its watch
   * event arrives, and within the TTL at the latest.
   */
  private seedList(): Promise<Seed[]> {
    const now = Date.now();
    const writes = this.repository.writesOf('Seed');
    if (!this.seeds || this.seeds.writes !== writes || now - this.seeds.at > SEEDS_TTL_MS) {
      const listing = this.client.list('Seed');
      this.seeds = { at: now, writes, listing };
      listing.catch(() => {
        if (this.seeds?.listing === listing) this.seeds = undefined;
      });
    }
    return this.seeds.listing;
  }

  /** One pass over the unscheduled shoots. */
  async schedulePending(): Promise<void> {
    const pending = await this.repository.listWithout('Shoot', 'spec.seedName');
    for (const obj of pending) {
      if (this.stopped) return;
      if (obj.metadata.deletionTimestamp) continue;
      await this.scheduleOne(obj as unknown as Shoot).catch((error) => {
        if (!isRace(error)) this.options.onError?.(error);
      });
    }
  }

  start(): void {
    const onError = (error: unknown) => this.options.onError?.(error);
    this.watches.push(
      this.client.watch('Seed', {}, (event) => this.onSeed(event), { onError }),
      this.client.watch('Shoot', {}, (event) => this.onShoot(event), { onError }),
    );
    this.timer = setInterval(() => this.kick(), this.options.retryMs ?? 30_000);
    this.timer.unref();
    this.kick();
  }

  private onSeed(event: ChangeEvent<'Seed'>): void {
    this.seeds = undefined;
    if (this.seedChanged(event.type, event.object)) this.kick();
  }

  private onShoot({ type, object }: ChangeEvent<'Shoot'>): void {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (type === 'ADDED' && object.spec.seedName && this.boundAtCreate.delete(key)) this.scheduled(object);
    if (type === 'DELETED') this.counts = undefined; // capacity freed: count afresh
    if (type === 'DELETED' || !object.spec.seedName) this.kick();
  }

  /**
   * Whether a seed event changes what scheduling reads: a gardenlet's heartbeat only moves its
   * GardenletReady's timestamps, every 10 s per seed, and must not make a pass over pending shoots.
   */
  private seedChanged(type: string, seed: Seed): boolean {
    const name = seed.metadata.name ?? '';
    if (type === 'DELETED') {
      this.seedViews.delete(name);
      return true;
    }
    const view = JSON.stringify({
      spec: seed.spec,
      deleting: Boolean(seed.metadata.deletionTimestamp),
      allocatable: seed.status?.allocatable,
      conditions: (seed.status?.conditions ?? []).map((c) => [c.type, c.status]),
    });
    if (this.seedViews.get(name) === view) return false;
    this.seedViews.set(name, view);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await Promise.all(this.watches.splice(0).map((watch) => watch.stop()));
    await this.running;
    await this.events.flush();
  }

  /** Coalesces bursts of events into one pass; a change during a pass causes one more. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.running = this.schedulePending()
        .catch((error) => this.options.onError?.(error))
        .finally(() => {
          this.running = undefined;
          if (this.again) {
            this.again = false;
            this.kick();
          }
        });
    }, 20);
  }

  private async scheduleOne(shoot: Shoot): Promise<void> {
    const { namespace, name = '', resourceVersion } = shoot.metadata;
    const choice = await this.choose(shoot);
    if (!('reason' in choice)) {
      const bound = await this.client.patch('Shoot', { namespace, name }, 'merge', {
        metadata: { resourceVersion },
        spec: { seedName: choice.seedName },
      });
      this.scheduled(bound);
      return;
    }
    if (shoot.status?.lastOperation?.description === choice.reason) return;
    this.events.event(shoot, 'Warning', EventReason.SchedulingFailed, choice.reason);
    const lastUpdateTime = timestamp((this.options.now ?? (() => new Date()))());
    await this.client.updateStatus('Shoot', { namespace, name }, (status, current) => {
      if (current.spec.seedName) return false; // bound meanwhile
      status.lastOperation = {
        type: 'Create',
        state: 'Pending',
        progress: 0,
        description: choice.reason,
        lastUpdateTime,
      };
    });
  }
}
