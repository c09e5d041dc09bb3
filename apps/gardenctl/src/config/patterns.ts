import { GardenctlError, GardenctlErrorCode } from '../errors.js';

export const PATTERN_KEYS = ['project', 'namespace', 'shoot', 'seed'] as const;
export type PatternKey = (typeof PATTERN_KEYS)[number];
export type PatternMatch = Partial<Record<PatternKey, string>>;

/** Patterns are written for Go's regexp (`(?P<name>…)`, as gardenctl-v2 documents); JS spells it `(?<name>…)`. */
export function compilePattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replaceAll('(?P<', '(?<'));
  } catch (error) {
    throw new GardenctlError(
      GardenctlErrorCode.Config,
      `failed to compile configured regular expression "${pattern}": ${(error as Error).message}`,
      'fix it with gardenctl config set-garden NAME --pattern REGEX',
    );
  }
}

/** Checks a pattern compiles and only uses the supported named groups. */
export function validatePattern(pattern: string): void {
  compilePattern(pattern);
  const groups = [...pattern.matchAll(/\(\?P?<([A-Za-z_][\w]*)>/g)].map((m) => m[1] ?? '');
  if (groups.length === 0) {
    throw new GardenctlError(
      GardenctlErrorCode.Usage,
      `pattern "${pattern}" has no named capturing group`,
      `use named groups such as (?P<project>[^/]+) and (?P<shoot>[^/]+); supported: ${PATTERN_KEYS.join(', ')}`,
    );
  }
  for (const name of groups) {
    if (!(PATTERN_KEYS as readonly string[]).includes(name)) {
      throw new GardenctlError(
        GardenctlErrorCode.Usage,
        `pattern "${pattern}" uses unsupported capturing group "${name}"`,
        `supported capturing groups: ${PATTERN_KEYS.join(', ')}`,
      );
    }
  }
}

/** The first of `patterns` that matches `value`, as its named groups; undefined when none matches. */
export function matchPatterns(patterns: readonly string[], value: string): PatternMatch | undefined {
  for (const pattern of patterns) {
    const match = compilePattern(pattern).exec(value);
    if (!match) continue;
    const result: PatternMatch = {};
    for (const key of PATTERN_KEYS) {
      const found = match.groups?.[key];
      if (found) result[key] = found;
    }
    return result;
  }
  return undefined;
}
