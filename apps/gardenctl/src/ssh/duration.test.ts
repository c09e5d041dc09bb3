import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('duration flags', () => {
  it('take Go durations, trimmed', () => {
    expect(parseDuration('10m', 'wait-timeout')).toBe(600_000);
    expect(parseDuration(' 1h30m ', 'wait-timeout')).toBe(5_400_000);
    expect(parseDuration('90s', 'wait-timeout')).toBe(90_000);
  });

  it.each(['soon', '', '0s', '10'])('refuse %j, naming the flag', (text) => {
    expect(() => parseDuration(text, 'wait-timeout')).toThrow(
      `invalid value "${text}" for flag --wait-timeout: want a duration such as 10m, 90s or 1h30m`,
    );
  });
});
