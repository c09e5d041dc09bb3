import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SeedError, SeedErrorCode } from '../errors.js';
import type { ShootLayout } from './layout.js';
import { livePid, type PidRecord } from './processes.js';

/**
 * The supervisor's entry file for plain `node`: the compiled file beside this one (dist/), or,
 * when this module runs from TypeScript source (tests, development), the library's sources
 * compiled with SWC into `<root>/.supervisor/<content hash>/`. Compiling ahead keeps a
 * long-lived supervisor free of loader hooks and of the compiler's memory (~55 MB less RSS).
 */
export async function supervisorEntry(root: string): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'supervisor.js');

  const sourceRoot = resolve(dirname(here), '..');
  const files = listSources(sourceRoot);
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(sourceRoot, file)).update('\0').update(readFileSync(file));
  const out = join(root, '.supervisor', hash.digest('hex').slice(0, 16));
  const entry = join(out, 'local', 'supervisor.js');
  if (existsSync(entry)) return entry;

  const { transformFile } = await import('@swc/core');
  const staging = `${out}.${process.pid}.tmp`;
  for (const file of files) {
    const { code } = await transformFile(file, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    });
    const target = join(staging, relative(sourceRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
  try {
    renameSync(staging, out);
  } catch (error) {
    // Another process compiled the same sources first: use theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(entry)) throw error;
  }
  return entry;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(
      (e) =>
        e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'),
    )
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/**
 * Starts the control plane's supervisor in a session of its own (setsid), detached from the
 * caller: it outlives the caller, and no signal aimed at the caller's process group reaches it.
 * Resolves once the supervisor holds its pidfile lock.
 */
export async function launchSupervisor(
  root: string,
  layout: ShootLayout,
  timeoutMs = 15_000,
): Promise<PidRecord> {
  const entry = await supervisorEntry(root);
  const out = openSync(layout.log('supervisor'), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(process.execPath, [entry, layout.dir], {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: layout.dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' },
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const holder = livePid(layout.pidFile('supervisor'));
    if (holder) return holder;
    await sleep(50);
  }
  throw new SeedError(
    SeedErrorCode.StartFailed,
    `supervisor (pid ${pid}) did not start within ${timeoutMs} ms; see ${layout.log('supervisor')}`,
  );
}
