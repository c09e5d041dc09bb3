import { DEFAULT_SCHEDULE_LOCATION, lastCronTrigger, type Shoot } from '@gardener-ts/api';
import type { ResourceService } from '@gardener-ts/store';
import { SHOOT } from './shoot-status.js';

type Schedules = NonNullable<NonNullable<Shoot['spec']['hibernation']>['schedules']>;

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
      const at = lastCronTrigger(expression, schedule.location ?? DEFAULT_SCHEDULE_LOCATION, to).getTime();
      if (at > from.getTime() && at <= to.getTime() && (!latest || at >= latest.at))
        latest = { at, hibernate };
    }
  }
  return latest?.hibernate;
}

/** Gardener's hibernation controller: flips spec.hibernation.enabled when a schedule fires. */
export class HibernationScheduler {
  private lastCheck: Date;

  constructor(
    private readonly options: {
      resources: ResourceService;
      seedName: string;
      /** asks the gardenlet to look at the shoot (the flip is a spec change) */
      enqueue(shoot: Shoot): Promise<void>;
      now?: () => Date;
    },
  ) {
    this.lastCheck = this.now();
  }

  async checkAll(): Promise<void> {
    const now = this.now();
    const { items } = await this.options.resources.list(SHOOT, undefined, {
      fieldSelector: `spec.seedName=${this.options.seedName}`,
    });
    for (const shoot of items as unknown as Shoot[]) {
      const schedules = shoot.spec.hibernation?.schedules ?? [];
      const desired = scheduledHibernation(schedules, this.lastCheck, now);
      if (desired === undefined || shoot.metadata.deletionTimestamp) continue;
      if ((shoot.spec.hibernation?.enabled ?? false) === desired) continue;
      const updated = await this.options.resources.patch(
        SHOOT,
        shoot.metadata.namespace,
        shoot.metadata.name ?? '',
        'merge',
        {
          spec: { hibernation: { enabled: desired } },
        },
      );
      await this.options.enqueue(updated as unknown as Shoot);
    }
    this.lastCheck = now;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
