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
 * `@gardener-ts/api/<file>` subpaths in the library's modules. A compiled supervisor gets its own
 * copies of those that are single files importing nothing at run time (the coded-error base,
 * backoff), so it needs no node_modules.
 */
const API_SUBPATH = /(["'])@gardener-ts\/api\/([a-z-]+)\1/g;
const RUNTIME_IMPORT = /^import (?!type )/m;

/**
 * The supervisor's entry file for plain `node`: the compiled file beside this one (dist/), or,
 * when this module runs from TypeScript source (tests, development), the library's sources
 * compiled with SWC into `<root>/.supervisor/<content hash>/` (with copies of the api subpaths
 * they import in its `api/`). Compiling ahead keeps a long-lived supervisor free of loader hooks
 * and of the compiler's memory (~55 MB less RSS).
 */
export async function supervisorEntry(root: string): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'supervisor.js');

  const sourceRoot = resolve(dirname(here), '..');
  const apiRoot = resolve(sourceRoot, '..', '..', 'api', 'src');
  const sources = new Map(listSources(sourceRoot).map((file) => [file, readFileSync(file, 'utf8')]));
  const copies = apiCopies(apiRoot, [...sources.values()]);
  const hash = createHash('sha256');
  for (const [file, text] of sources) hash.update(relative(sourceRoot, file)).update('\0').update(text);
  for (const [name, text] of copies) hash.update(`api/${name}`).update('\0').update(text);
  const out = join(root, '.supervisor', hash.digest('hex').slice(0, 16));
  const entry = join(out, 'local', 'supervisor.js');
  if (existsSync(entry)) return entry;

  const { transformFile } = await import('@swc/core');
  const staging = `${out}.${process.pid}.tmp`;
  const compile = async (file: string, target: string) => {
    const { code } = await transformFile(file, {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'es6' },
    });
    const toApi = relative(dirname(target), join(staging, 'api'));
    const prefix = toApi.startsWith('.') ? toApi : `./${toApi}`;
    const local = (specifier: string, quote: string, name: string) =>
      copies.has(name) ? `${quote}${prefix}/${name}.js${quote}` : specifier;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code.replace(API_SUBPATH, local));
  };
  for (const file of sources.keys())
    await compile(file, join(staging, relative(sourceRoot, file)).replace(/\.ts$/, '.js'));
  for (const name of copies.keys())
    await compile(join(apiRoot, `${name}.ts`), join(staging, 'api', `${name}.js`));
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

/** The api subpaths the sources import that a compiled supervisor can copy, with their text. */
function apiCopies(apiRoot: string, texts: readonly string[]): Map<string, string> {
  const copies = new Map<string, string>();
  for (const text of texts)
    for (const [, , name] of text.matchAll(API_SUBPATH)) {
      const file = join(apiRoot, `${name}.ts`);
      if (!name || copies.has(name) || !existsSync(file)) continue;
      const source = readFileSync(file, 'utf8');
      if (!RUNTIME_IMPORT.test(source)) copies.set(name, source);
    }
  return copies;
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
