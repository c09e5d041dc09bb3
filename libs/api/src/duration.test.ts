import { describe, expect, it } from 'vitest';
import { GO_DURATION, parseGoDuration } from './duration.js';

describe('Go durations', () => {
  it.each([
    ['20m', 1_200_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5s', 1_500],
    ['0s', 0],
    ['1500us', 1.5],
    ['2µs', 0.002],
    ['1000000ns', 1],
    ['1h1m1s1ms', 3_661_001],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
    expect(GO_DURATION.test(text)).toBe(true);
  });

  it.each(['', '10', '10 minutes', ' 10m', '10m ', '-5m', '1d', '.5h', '1h-30m', 'h', `${'9'.repeat(400)}h`])(
    'refuses %j',
    (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );
});
