/**
 * Go durations (`20m`, `1h30m`, `250ms`), as Gardener's API fields and gardenctl-v2's flags carry
 * them: the one reader of them (also `@gardener-ts/api/duration`, which gardenctl imports).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** Go's duration notation without a sign: one or more number-and-unit parts. */
export const GO_DURATION = new RegExp(`^(?:${PART.source})+$`);

/** A Go duration in milliseconds, or undefined when `text` is none (or too long to count). */
export function parseGoDuration(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  return Number.isFinite(total) ? total : undefined;
}
