import { usageError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** A Go-style duration (`10m`, `90s`, `1h30m`) in milliseconds, as gardenctl-v2's duration flags take it. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  let total = 0;
  let consumed = '';
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
    consumed += match[0];
  }
  if (!trimmed || consumed !== trimmed || total <= 0) {
    throw usageError(`invalid value "${text}" for flag --${flag}: want a duration such as 10m, 90s or 1h30m`);
  }
  return total;
}
