/** Semantic version helpers for Kubernetes and machine image versions (major.minor[.patch]). */

export function parseVersion(version: string): number[] | undefined {
  if (!/^\d+(\.\d+){0,2}$/.test(version)) return undefined;
  return version.split('.').map(Number);
}

export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [];
  const y = parseVersion(b) ?? [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function isExpired(expirationDate: string | undefined, now: Date): boolean {
  return expirationDate !== undefined && Date.parse(expirationDate) <= now.getTime();
}

/** The newest version in `versions` whose dotted prefix is `prefix` (e.g. `1.34` → `1.34.2`). */
export function newestWithPrefix<V extends { version: string }>(
  versions: readonly V[],
  prefix: string,
): V | undefined {
  return versions
    .filter((v) => v.version === prefix || v.version.startsWith(`${prefix}.`))
    .sort((a, b) => compareVersions(b.version, a.version))[0];
}
