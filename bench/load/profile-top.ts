/**
 * What a V8 CPU profile (.cpuprofile) spent its time on: self time by function and by package or
 * source folder, and inclusive time of our own functions, as shares of the sampled time.
 *
 *   npm run bench -- bench/load/profile-top.ts FILE [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-top.ts FILE [--top N]');
const top = Number(values.top);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** microseconds of samples per node (self time) */
const self = new Map<number, number>();
for (const [i, id] of profile.samples.entries())
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);

/** `node_modules/<package>` or our folder (`libs/store/src`), else the frame's kind */
function place(url: string, name: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const ours = /\/(apps\/[^/]+\/(?:src|dist)\/[^/]+|libs\/[^/]+\/(?:src|dist))/.exec(url);
  if (ours?.[1]) return ours[1];
  if (url.startsWith('node:')) return url;
  return url ? 'other' : `(${name || 'native'})`;
}

const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(apps|libs|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

function table(title: string, rows: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [key, us] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${((100 * us) / total).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
}

const selfByFunction = new Map<string, number>();
const selfByPlace = new Map<string, number>();
/** inclusive time of our own functions: each sample counts once per distinct frame on its stack */
const inclusive = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (!node) continue;
  selfByFunction.set(label(node), (selfByFunction.get(label(node)) ?? 0) + us);
  const where = place(node.callFrame.url, node.callFrame.functionName);
  selfByPlace.set(where, (selfByPlace.get(where) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at);
    if (!frame || !/\/(apps|libs)\//.test(frame.callFrame.url)) continue;
    const key = label(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
table('self time by package or folder', selfByPlace);
table('self time by function', selfByFunction);
table('inclusive time of our functions (apps/, libs/)', inclusive);
