import { DEFAULT_SCHEDULE_LOCATION, lastCronTrigger, type Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import { keyOf, shootsOnSeed } from './seed-shoots.js';

type Schedules = NonNullable<NonNullable<Shoot['spec']['hibernation']>['schedules']>;

/** lastCronTrigger, its error naming the schedule that cannot run. */
function triggerOf(expression: string, location: string, at: Date): Date {
  try {
    return lastCronTrigger(expression, location, at);
  } catch (error) {
    throw new Error(`schedule ${JSON.stringify(expression)} in ${location}: ${(error as Error).message}`);
  }
}

/**
 * What the schedules say about the window (from, to]: true if the latest trigger in it is a
 * `start`, false if an `end`, undefined if none fired. Acting only on triggers (not on the state
 * a schedule implies) leaves a user's manual wake-up alone until the next trigger, as in Gardener.
 */
export function scheduledHibernation(schedules: Schedules, from: Date, to: Date): boolean | undefined {
  let latest: { at: number; hibernate: boolean } | undefined;
  for (const schedule of schedules) {
    for (const [expression, hibernate] of [
      [schedule.start, true],
      [schedule.end, false],
    ] as const) {
      if (!expression) continue;
      const at = triggerOf(expression, schedule.location ?? DEFAULT_SCHEDULE_LOCATION, to).getTime();
      if (at > from.getTime() && at <= to.getTime() && (!latest || at >= latest.at))
        latest = { at, hibernate };
    }
  }
  return latest?.hibernate;
}

/** Where the scheduler reports a shoot it could not check or flip. */
export interface HibernationLogger {
  warn(message: string): void;
}

/**
 * Gardener's hibernation controller: flips spec.hibernation.enabled when a schedule fires. Each
 * shoot is checked on its own: one whose schedules cannot be evaluated (stored before validation
 * was tightened) is skipped and reported; one whose flip fails is reported and retried next check.
 */
export class HibernationScheduler {
  private lastCheck: Date;
  /** shoots whose flip failed, by namespace/name, with the start of the window still to act on */
  private retryFrom = new Map<string, Date>();

  constructor(
    private readonly options: {
      client: GardenClient;
      seedName: string;
      /** asks the gardenlet to look at the shoot (the flip is a spec change) */
      enqueue(shoot: Shoot): Promise<void>;
      logger: HibernationLogger;
      now?: () => Date;
    },
  ) {
    this.lastCheck = this.now();
  }

  async checkAll(): Promise<void> {
    const now = this.now();
    const retryFrom = new Map<string, Date>();
    for (const shoot of await shootsOnSeed(this.options.client, this.options.seedName)) {
      const from = this.retryFrom.get(shootKey(shoot)) ?? this.lastCheck;
      if (!(await this.check(shoot, from, now))) retryFrom.set(shootKey(shoot), from);
    }
    this.retryFrom = retryFrom;
    this.lastCheck = now;
  }

  /** Flips the shoot if its schedules say so for (from, now]; false if the flip failed. */
  private async check(shoot: Shoot, from: Date, now: Date): Promise<boolean> {
    const desired = this.desiredHibernation(shoot, from, now);
    if (desired === undefined || shoot.metadata.deletionTimestamp) return true;
    if ((shoot.spec.hibernation?.enabled ?? false) === desired) return true;
    try {
      await this.flip(shoot, desired);
      return true;
    } catch (error) {
      const action = desired ? 'hibernated' : 'woken up';
      this.report(shoot, `could not be ${action}, retried at the next check`, error);
      return false;
    }
  }

  /** What the schedules say (see scheduledHibernation); undefined, reported, if they cannot be read. */
  private desiredHibernation(shoot: Shoot, from: Date, to: Date): boolean | undefined {
    try {
      return scheduledHibernation(shoot.spec.hibernation?.schedules ?? [], from, to);
    } catch (error) {
      this.report(shoot, 'skipped: its hibernation schedules cannot be evaluated', error);
      return undefined;
    }
  }

  private async flip(shoot: Shoot, hibernate: boolean): Promise<void> {
    const updated = await this.options.client.patch('Shoot', keyOf(shoot), 'merge', {
      spec: { hibernation: { enabled: hibernate } },
    });
    await this.options.enqueue(updated);
  }

  private report(shoot: Shoot, what: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.options.logger.warn(`shoot ${shootKey(shoot)} ${what}: ${reason}`);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function shootKey(shoot: Shoot): string {
  return `${shoot.metadata.namespace}/${shoot.metadata.name}`;
}
