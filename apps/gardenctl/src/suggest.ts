/** Edit distance (insert, delete, substitute, transpose adjacent), for "did you mean" hints. */
export function distance(a: string, b: string): number {
  const width = b.length + 1;
  // One flat row-major table; `at` reads it with 0 for cells not yet written.
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number) => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** Up to three names near `wanted` (by edit distance, or sharing it as a prefix), nearest first. */
export function closest(wanted: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 3));
  return [...new Set(names)]
    .map((name) => ({
      name,
      d: name.startsWith(wanted) || wanted.startsWith(name) ? 1 : distance(wanted, name),
    }))
    .filter((c) => c.d <= limit && c.name !== wanted)
    .sort((x, y) => x.d - y.d || x.name.localeCompare(y.name))
    .slice(0, 3)
    .map((c) => c.name);
}
