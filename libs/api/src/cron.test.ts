import { describe, expect, it } from 'vitest';
import { cronProblem, lastCronTrigger, validTimeZone } from './cron.js';

const at = new Date('2026-11-25T12:00:00Z');

describe('lastCronTrigger', () => {
  it('reads the expression in its location', () => {
    expect(lastCronTrigger('00 20 * * 1-5', 'Europe/Berlin', at).toISOString()).toBe(
      '2026-11-24T19:00:00.000Z',
    );
    expect(lastCronTrigger('00 20 * * 1-5', 'UTC', at).toISOString()).toBe('2026-11-24T20:00:00.000Z');
    expect(lastCronTrigger('0 9 * * 1#1', 'UTC', at).toISOString()).toBe('2026-11-02T09:00:00.000Z');
  });

  it.each([
    ['0 24 * * *', 'UTC', /expected range 0-23/],
    ['0 0 30 2 *', 'UTC', /Invalid explicit day of month/],
    ['0 0 31 2,4 *', 'Europe/Berlin', /none of the months it names has any of the days it names/],
    ['0 0 * * * *', 'UTC', /with 5 fields$/],
    ['@daily', 'UTC', /with 5 fields$/],
    ['H 20 * * *', 'UTC', /no H/],
    ['0 20 * * *', 'UTC+1', /IANA time zone/],
    ['0 20 * * *', 'Local', /IANA time zone/],
  ])('refuses %j in %j', (expression, location, reason) => {
    expect(() => lastCronTrigger(expression, location, at)).toThrow(reason);
    expect(cronProblem(expression, location, at)).toMatch(reason);
  });

  it('gives up at once on a day of the month that never comes, and only then', () => {
    const started = performance.now();
    expect(cronProblem('0 0 31 2,4,6,9,11 *', 'Europe/Berlin', at)).toMatch(/none of the months/);
    expect(performance.now() - started).toBeLessThan(100);
    expect(lastCronTrigger('0 0 31 2,4 1', 'UTC', at).toISOString()).toBe('2026-04-27T00:00:00.000Z');
    expect(lastCronTrigger('0 0 L 2 *', 'UTC', at).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(lastCronTrigger('0 0 29-31 2 *', 'UTC', at).toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('tells weekday names containing an H from a hashed value', () => {
    expect(cronProblem('0 20 * * THU', 'UTC', at)).toBeUndefined();
    expect(cronProblem('0 20 * * MON,H', 'UTC', at)).toMatch(/no H/);
  });

  it('answers the same when asked again (answers are kept)', () => {
    for (let round = 0; round < 2; round++) {
      expect(cronProblem('00 07 * * 1-5', 'Europe/Berlin', at)).toBeUndefined();
      expect(cronProblem('0 0 31 2,4 *', 'Europe/Berlin', at)).toMatch(/none of the months/);
      expect(cronProblem('00 07 * * 1-5', 'Mars/Olympus', at)).toMatch(/IANA time zone/);
      expect(validTimeZone('Europe/Berlin')).toBe(true);
      expect(validTimeZone('Mars/Olympus')).toBe(false);
    }
  });
});
