/**
 * How fast `gardenctl target view` answers, as a user runs it (a fresh node process each time).
 * Target (issue 9): ≤ 150 ms wall. Needs no garden API: the target is read from the session file.
 *
 *   (cd apps/gardenctl && npm run build) && npm run bench -- bench/gardenctl-target-view.ts [--runs 40]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const RUNS = Number(values.runs);
const TARGET_MS = 150;
const GARDENCTL = fileURLToPath(new URL('../apps/gardenctl/dist/main.js', import.meta.url));
if (!existsSync(GARDENCTL))
  throw new Error(`${GARDENCTL} is missing: run (cd apps/gardenctl && npm run build) first`);

const dir = mkdtempSync(join(tmpdir(), 'gts-bench-gardenctl-'));
const env = { PATH: process.env.PATH, GCTL_HOME: join(dir, 'home'), TMPDIR: dir, GCTL_SESSION_ID: 'bench' };
const session = join(dir, 'garden', 'bench');
mkdirSync(session, { recursive: true, mode: 0o700 });
writeFileSync(join(session, 'target.yaml'), 'garden: local\nproject: dev\nseed: local\nshoot: demo\n', {
  mode: 0o600,
});

function timeRuns(args: string[]): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  }
  return times.sort((a, b) => a - b);
}

function summary(times: number[]): string {
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return `min ${at(0).toFixed(1)} ms, median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${at(1).toFixed(1)} ms`;
}

try {
  const node = timeRuns(['-e', '0']);
  const yaml = timeRuns([GARDENCTL, 'target', 'view']);
  const json = timeRuns([GARDENCTL, 'target', 'view', '-o', 'json']);
  const p95 = yaml[Math.floor(0.95 * yaml.length)] ?? NaN;
  console.log(`runs per figure: ${RUNS}`);
  console.log(`node -e 0 (process start alone):  ${summary(node)}`);
  console.log(`gardenctl target view:            ${summary(yaml)}`);
  console.log(`gardenctl target view -o json:    ${summary(json)}`);
  console.log(
    `target ≤ ${TARGET_MS} ms: p95 ${p95.toFixed(1)} ms → ${p95 <= TARGET_MS ? 'met' : 'MISSED'} (${(p95 / TARGET_MS).toFixed(2)}× the budget)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
