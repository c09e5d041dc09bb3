import { parseGoDuration } from '@gardener-ts/api/duration';
import { usageError } from '../errors.js';

/** A Go-style duration flag (`10m`, `90s`, `1h30m`) in milliseconds, as gardenctl-v2's duration flags take it. */
export function parseDuration(text: string, flag: string): number {
  const ms = parseGoDuration(text.trim());
  if (ms === undefined || ms <= 0) {
    throw usageError(`invalid value "${text}" for flag --${flag}: want a duration such as 10m, 90s or 1h30m`);
  }
  return ms;
}
