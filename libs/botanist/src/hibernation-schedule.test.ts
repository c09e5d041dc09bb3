import { describe, expect, it } from 'vitest';
import { scheduledHibernation } from './hibernation-schedule.js';

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
