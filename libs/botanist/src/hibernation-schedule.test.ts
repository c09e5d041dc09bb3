import { exampleShoot, type KubeObject, type Shoot, validateShoot } from '@gardener-ts/api';
import { GardenClient, type Transport } from '@gardener-ts/client';
import { describe, expect, it } from 'vitest';
import { HibernationScheduler, scheduledHibernation } from './hibernation-schedule.js';

const weekdays = [{ start: '00 20 * * 1,2,3,4,5', end: '00 07 * * 1,2,3,4,5', location: 'Europe/Berlin' }];
const at = (iso: string) => new Date(iso);

describe('scheduledHibernation', () => {
  it.each([
    // Wednesday 25 Nov 2026; Berlin is UTC+1
    ['start fires at 20:00 Berlin (19:00 UTC)', '2026-11-25T18:59:00Z', '2026-11-25T19:00:30Z', true],
    ['end fires at 07:00 Berlin (06:00 UTC)', '2026-11-26T05:59:00Z', '2026-11-26T06:00:30Z', false],
    ['nothing fires in between', '2026-11-25T19:01:00Z', '2026-11-25T23:00:00Z', undefined],
    ['no trigger on Saturday', '2026-11-28T18:59:00Z', '2026-11-28T19:00:30Z', undefined],
  ])('%s', (_, from, to, expected) => {
    expect(scheduledHibernation(weekdays, at(from), at(to))).toBe(expected);
  });

  it('the latest trigger in the window wins, and the location matters', () => {
    const utc = [{ start: '00 19 * * *', end: '30 19 * * *', location: 'UTC' }];
    expect(scheduledHibernation(utc, at('2026-11-25T18:00:00Z'), at('2026-11-25T19:45:00Z'))).toBe(false);
    expect(scheduledHibernation(utc, at('2026-11-25T18:00:00Z'), at('2026-11-25T19:15:00Z'))).toBe(true);
    const tokyo = [{ start: '00 19 * * *', location: 'Asia/Tokyo' }];
    expect(scheduledHibernation(tokyo, at('2026-11-25T09:59:00Z'), at('2026-11-25T10:00:30Z'))).toBe(true);
  });
});

describe('a schedule is accepted exactly when the scheduler can run it', () => {
  const accepted = (schedule: { start: string; location?: string }) => {
    const shoot = exampleShoot();
    shoot.spec.hibernation = { schedules: [schedule] };
    return validateShoot(shoot).length === 0;
  };
  const runs = (schedule: { start: string; location?: string }) => {
    try {
      scheduledHibernation([schedule], at('2026-11-25T18:59:00Z'), at('2026-11-25T19:00:30Z'));
      return true;
    } catch {
      return false;
    }
  };

  const runnable = ['00 20 * * 1-5', '0 20 * * 1#1', '0 20 ? * *', '0 0 L * *', '0 0 29 2 *', '0 0 31 2,4 1'];
  const unrunnable = [
    '0 24 * * *',
    '0 0 30 2 *',
    '0 0 31 2,4 *',
    '0 22-2 * * *',
    'H 20 * * *',
    '0 20 * * * *',
  ];
  const cases: [string, boolean][] = [
    ...runnable.map((c): [string, boolean] => [c, true]),
    ...unrunnable.map((c): [string, boolean] => [c, false]),
  ];

  it.each(cases)('%j (accepted in UTC: %s)', (start, acceptedInUtc) => {
    expect(accepted({ start, location: 'UTC' })).toBe(acceptedInUtc);
    for (const location of [undefined, 'UTC', 'Europe/Berlin', 'Asia/Tokyo', 'UTC+1', 'Local']) {
      const schedule = location ? { start, location } : { start };
      expect(accepted(schedule), `in ${location}`).toBe(runs(schedule));
    }
  });
});

describe('HibernationScheduler: each shoot is checked on its own', () => {
  const shootScheduled = (name: string, enabled: boolean, schedule: { start?: string; end?: string }) => {
    const shoot = exampleShoot(name);
    shoot.spec.hibernation = { enabled, schedules: [{ ...schedule, location: 'UTC' }] };
    return shoot;
  };

  /** The garden as the scheduler sees it: shoots listed, merge patches of spec.hibernation.enabled. */
  function seedWith(shoots: Shoot[], refusePatchOf = new Set<string>()) {
    const flipped: string[] = [];
    const unused = () => Promise.reject(new Error('not used by the scheduler'));
    const transport: Transport = {
      list: async () => shoots as unknown as KubeObject[],
      patch: async (_type, namespace, name, _patchType, patch) => {
        if (refusePatchOf.has(name)) throw new Error(`Shoot "${name}" is invalid`);
        const enabled = (patch as { spec: { hibernation: { enabled: boolean } } }).spec.hibernation.enabled;
        flipped.push(`${namespace}/${name}: ${enabled}`);
        return shoots.find((s) => s.metadata.name === name) as unknown as KubeObject;
      },
      get: unused,
      create: unused,
      update: unused,
      delete: unused,
      watch: unused,
    };
    const client = new GardenClient(transport);
    const clock = { now: at('2026-11-25T18:59:00Z') };
    const warnings: string[] = [];
    const enqueued: string[] = [];
    const scheduler = new HibernationScheduler({
      client,
      seedName: 'local',
      enqueue: async (shoot) => void enqueued.push(shoot.metadata.name ?? ''),
      now: () => clock.now,
      logger: { warn: (message) => void warnings.push(message) },
    });
    return { scheduler, clock, flipped, enqueued, warnings };
  }

  it('skips a shoot whose schedule cannot run, reports it, and hibernates and wakes the others', async () => {
    const seed = seedWith([
      shootScheduled('sleepy', false, { start: '00 19 * * *' }),
      shootScheduled('broken', false, { start: '0 24 * * *' }),
      shootScheduled('early', true, { end: '00 19 * * *' }),
    ]);
    seed.clock.now = at('2026-11-25T19:00:30Z');
    await seed.scheduler.checkAll();
    expect(seed.flipped).toEqual(['garden-dev/sleepy: true', 'garden-dev/early: false']);
    expect(seed.enqueued).toEqual(['sleepy', 'early']);
    expect(seed.warnings).toEqual([expect.stringMatching(/garden-dev\/broken.*expected range 0-23/)]);
    expect(seed.warnings[0]).toContain('schedule "0 24 * * *" in UTC');
  });

  it('goes on past a shoot it cannot flip, and retries that one at the next check', async () => {
    const refused = new Set(['sleepy']);
    const seed = seedWith(
      [
        shootScheduled('sleepy', false, { start: '00 19 * * *' }),
        shootScheduled('early', true, { end: '00 19 * * *' }),
      ],
      refused,
    );
    seed.clock.now = at('2026-11-25T19:00:30Z');
    await seed.scheduler.checkAll();
    expect(seed.flipped).toEqual(['garden-dev/early: false']);
    expect(seed.warnings).toEqual([expect.stringMatching(/garden-dev\/sleepy.*is invalid/)]);
    refused.clear();
    seed.clock.now = at('2026-11-25T19:01:00Z');
    await seed.scheduler.checkAll();
    expect(seed.flipped).toEqual(['garden-dev/early: false', 'garden-dev/sleepy: true']);
  });
});
