import { type ChildProcess, spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedBinary } from '../toolchain/index.js';
import { buildBuiltin, type ImageContext, pushUserImage } from './build.js';
import {
  BUILTIN_IMAGES,
  builtinImage,
  COREDNS_VERSION,
  DEMO_WEB_VERSION,
  PAUSE_VERSION,
} from './definitions.js';
import { ImageError, ImageErrorCode } from './errors.js';
import { DEFAULT_PATH } from './layout.js';
import { PushRecords } from './records.js';
import { Registry } from './registry.js';
import { run } from './run.js';
import { blobsDir } from './settings.js';

/**
 * Against a real `crane registry serve` (the pinned crane) on a free loopback port with its storage
 * in a temporary directory: builds and pushes the built-in images, reads them back with crane, runs
 * what they contain (the shell under runc as an OCI bundle) and checks skips, errors and restore.
 */

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'gardener-ts-images-test-'));
const stateDir = join(work, 'state');
let crane: string;
let port: number;
let server: ChildProcess | undefined;
let ctx: ImageContext;
const lines: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startRegistry(): Promise<void> {
  mkdirSync(blobsDir(stateDir), { recursive: true });
  server = spawn(
    crane,
    ['registry', 'serve', '--address', `127.0.0.1:${port}`, '--disk', blobsDir(stateDir)],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`crane registry serve did not answer on 127.0.0.1:${port}`);
}

async function stopRegistry(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const crane$ = async (...args: string[]) => (await run(crane, args)).stdout;
const ref = (name: string, tag: string) => `127.0.0.1:${port}/gardener-ts/${name}:${tag}`;

/** Unpacks an image's filesystem with `crane export` into dir. */
async function exportImage(reference: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const tar = join(work, `export-${Date.now()}.tar`);
  await crane$('export', reference, tar);
  await run('tar', ['--extract', `--file=${tar}`, `--directory=${dir}`, '--same-owner']);
  rmSync(tar);
}

/** A minimal OCI bundle: own PID, mount, IPC and UTS namespaces; the host's network namespace. */
function writeBundle(
  bundle: string,
  args: string[],
  options: { hostname: string; uid?: number; env?: string[] },
): void {
  const spec = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: options.uid ?? 0, gid: options.uid ?? 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...(options.env ?? [])],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: options.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'ipc' }, { type: 'uts' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
}

const runcRoot = join(work, 'runc');
const runcArgs = (...args: string[]) => ['--root', runcRoot, ...args];

beforeAll(async () => {
  crane = await verifiedBinary('crane');
  port = await freePort();
  await startRegistry();
  ctx = {
    registry: new Registry(`127.0.0.1:${port}`, crane),
    records: new PushRecords(stateDir),
    log: (line) => lines.push(line),
  };
});

afterAll(async () => {
  await stopRegistry();
  rmSync(work, { recursive: true, force: true });
});

describe('built-in images in a real registry', () => {
  const first = new Map<string, Awaited<ReturnType<typeof buildBuiltin>>>();

  it('builds and pushes pause, shell, demo-web and coredns as linux images with their entrypoints', async () => {
    for (const image of BUILTIN_IMAGES) {
      const result = await buildBuiltin(ctx, image);
      first.set(image.name, result);
      expect(result.pushed).toBe(true);
      expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect([...first.keys()]).toEqual(['pause', 'shell', 'demo-web', 'coredns']);

    const list = await ctx.registry.list();
    expect(list.map((r) => `${r.repository}:${r.tag}`)).toEqual([
      `gardener-ts/coredns:${COREDNS_VERSION}`,
      `gardener-ts/demo-web:${DEMO_WEB_VERSION}`,
      `gardener-ts/pause:${PAUSE_VERSION}`,
      'gardener-ts/shell:1.35',
    ]);
    for (const row of list) expect(row.digest).toBe(first.get(row.repository.split('/')[1] ?? '')?.digest);

    const manifest = JSON.parse(await crane$('manifest', ref('pause', PAUSE_VERSION)));
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');

    const pause = JSON.parse(await crane$('config', ref('pause', PAUSE_VERSION)));
    expect(pause).toMatchObject({ os: 'linux', architecture: 'amd64', created: '1970-01-01T00:00:00Z' });
    expect(pause.config.Entrypoint).toEqual(['/pause']);
    expect(pause.config.User).toBe('65535:65535');

    const web = JSON.parse(await crane$('config', ref('demo-web', DEMO_WEB_VERSION)));
    expect(web).toMatchObject({ os: 'linux', architecture: 'amd64' });
    expect(web.config.Entrypoint).toEqual(['/demo-web']);
    expect(web.config.ExposedPorts).toEqual({ '8080/tcp': {} });

    const shell = JSON.parse(await crane$('config', ref('shell', '1.35')));
    expect(shell.config.Cmd).toEqual(['/bin/sh']);
    expect(shell.config.Labels['org.opencontainers.image.version']).toBe('1.35');

    // small images: a static pause well under 1 MiB, busybox about 1 MiB compressed
    expect(first.get('pause')?.size).toBeLessThan(1024 * 1024);
    expect(first.get('shell')?.size).toBeLessThan(3 * 1024 * 1024);
  });

  it('skips unchanged inputs without building; a forced rebuild gives the same digest, not pushed', async () => {
    for (const image of BUILTIN_IMAGES) {
      const again = await buildBuiltin(ctx, image);
      expect(again).toMatchObject({ built: false, pushed: false, digest: first.get(image.name)?.digest });
      const forced = await buildBuiltin(ctx, image, { force: true });
      expect(forced).toMatchObject({ built: true, pushed: false, digest: first.get(image.name)?.digest });
      expect(await ctx.registry.digest(`gardener-ts/${image.name}`, await image.tag())).toBe(forced.digest);
    }
  });

  it('pushes again when the registry holds something else under the tag', async () => {
    const other = join(work, 'other-rootfs');
    mkdirSync(other);
    writeFileSync(join(other, 'hello'), 'hello\n');
    await pushUserImage(ctx, other, 'gardener-ts/pause', PAUSE_VERSION, { cmd: ['/hello'] });
    const rebuilt = await buildBuiltin(ctx, builtinImage('pause'));
    expect(rebuilt).toMatchObject({ built: true, pushed: true });
    expect(rebuilt.digest).toBe(first.get('pause')?.digest);
  });

  it('shell: busybox runs from the exported image under runc', async () => {
    const bundle = join(work, 'shell-bundle');
    await exportImage(ref('shell', '1.35'), join(bundle, 'rootfs'));
    expect(statSync(join(bundle, 'rootfs', 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(readdirSync(join(bundle, 'rootfs', 'bin'))).toEqual(
      expect.arrayContaining(['busybox', 'sh', 'ls']),
    );
    writeBundle(bundle, ['/bin/busybox', 'echo', 'ok'], { hostname: 'shell-test' });
    const id = `gardener-ts-images-test-shell-${process.pid}`;
    const { stdout } = await run('runc', runcArgs('run', '--bundle', bundle, id));
    expect(stdout).toBe('ok\n');

    writeBundle(bundle, ['/bin/sh', '-c', 'echo "$(hostname) $(id -u) $(ls /bin/ls)"'], {
      hostname: 'shell-test',
    });
    const second = await run('runc', runcArgs('run', '--bundle', bundle, `${id}-2`));
    expect(second.stdout).toBe('shell-test 0 /bin/ls\n');
  });

  it('pause: runs until SIGTERM, then exits 0', async () => {
    const rootfs = join(work, 'pause-rootfs');
    await exportImage(ref('pause', PAUSE_VERSION), rootfs);
    expect((await run(join(rootfs, 'pause'), ['--version'])).stdout).toBe(
      `pause ${PAUSE_VERSION} (gardener-ts)\n`,
    );
    const child = spawn(join(rootfs, 'pause'), [], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await sleep(300);
    expect(child.exitCode).toBeNull(); // still pausing
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('shutting down, got signal 15');
  });

  it('pause: as PID 1 of a container it reaps orphans and stops on SIGTERM', async () => {
    const bundle = join(work, 'pause-bundle');
    const rootfs = join(bundle, 'rootfs');
    await exportImage(ref('pause', PAUSE_VERSION), rootfs);
    await exportImage(ref('shell', '1.35'), join(work, 'busybox-rootfs'));
    await run('cp', [join(work, 'busybox-rootfs', 'bin', 'busybox'), join(rootfs, 'busybox')]);
    writeBundle(bundle, ['/pause'], { hostname: 'pause-test', uid: 65535 });
    const id = `gardener-ts-images-test-pause-${process.pid}`;
    const child = spawn('runc', runcArgs('run', '--bundle', bundle, id), { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      let state = '';
      for (let i = 0; i < 50 && !state.includes('"running"'); i++) {
        state = await run('runc', runcArgs('state', id)).then(
          (r) => r.stdout,
          () => '',
        );
        if (!state.includes('"running"')) await sleep(100);
      }
      // the shell exits at once; its background sleep is left to PID 1 (pause)
      await run('runc', runcArgs('exec', id, '/busybox', 'sh', '-c', '/busybox sleep 0.3 & exit 0'));
      await sleep(800);
      const ps = (await run('runc', runcArgs('exec', id, '/busybox', 'ps', '-o', 'pid,stat,comm'))).stdout;
      expect(ps).toMatch(/^\s*1 \S+\s+pause$/m);
      expect(ps).not.toMatch(/ Z/); // the orphaned sleep was reaped, no zombie
      await run('runc', runcArgs('kill', id, 'TERM'));
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) {
        await run('runc', runcArgs('kill', id, 'KILL')).catch(() => undefined);
        await exited;
      }
      await run('runc', runcArgs('delete', '--force', id)).catch(() => undefined);
    }
  });

  it('coredns: the pinned build answers DNS queries from its Corefile', async () => {
    const rootfs = join(work, 'coredns-rootfs');
    await exportImage(ref('coredns', COREDNS_VERSION), rootfs);
    const config = JSON.parse(await crane$('config', ref('coredns', COREDNS_VERSION)));
    expect(config.config.Entrypoint).toEqual(['/coredns']);
    expect((await run(join(rootfs, 'coredns'), ['-version'])).stdout).toMatch(
      new RegExp(`^CoreDNS-${COREDNS_VERSION.slice(1).replaceAll('.', '\\.')}$`, 'm'),
    );
    const dnsPort = await freePort();
    const corefile = join(work, 'Corefile');
    writeFileSync(
      corefile,
      `.:${dnsPort} {\n  bind 127.0.0.1\n  hosts {\n    10.1.2.3 web.demo.test\n  }\n}\n`,
    );
    const child = spawn(join(rootfs, 'coredns'), ['-conf', corefile], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const resolver = new Resolver({ timeout: 500, tries: 1 });
      resolver.setServers([`127.0.0.1:${dnsPort}`]);
      let answer: string[] = [];
      for (let i = 0; i < 50 && answer.length === 0; i++) {
        answer = await resolver.resolve4('web.demo.test').catch(() => []);
        if (answer.length === 0) await sleep(100);
      }
      expect(answer).toEqual(['10.1.2.3']);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('demo-web: answers GET / with its hostname under runc, stops on SIGTERM', async () => {
    const bundle = join(work, 'web-bundle');
    await exportImage(ref('demo-web', DEMO_WEB_VERSION), join(bundle, 'rootfs'));
    const webPort = await freePort();
    writeBundle(bundle, ['/demo-web'], {
      hostname: 'demo-web-7f9c',
      uid: 65532,
      env: [`LISTEN_ADDRESS=127.0.0.1:${webPort}`],
    });
    const id = `gardener-ts-images-test-web-${process.pid}`;
    const child = spawn('runc', runcArgs('run', '--bundle', bundle, id), { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      let body = '';
      for (let i = 0; i < 100 && !body; i++) {
        body = await fetch(`http://127.0.0.1:${webPort}/`).then(
          (r) => r.text(),
          () => '',
        );
        if (!body) await sleep(100);
      }
      expect(body).toBe(`hostname: demo-web-7f9c\nHello from gardener-ts demo-web ${DEMO_WEB_VERSION}.\n`);
      // what `kubectl exec … -- hostname` runs: the image's /bin/hostname, on its PATH
      const hostname = await run('runc', runcArgs('exec', '--env', `PATH=${DEFAULT_PATH}`, id, 'hostname'));
      expect(hostname.stdout).toBe('demo-web-7f9c\n');
      await run('runc', runcArgs('kill', id, 'TERM'));
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) {
        await run('runc', runcArgs('kill', id, 'KILL')).catch(() => undefined);
        await exited;
      }
      await run('runc', runcArgs('delete', '--force', id)).catch(() => undefined);
    }
  });
});

describe('your own images', () => {
  it('pushes a rootfs directory with its entrypoint, skips an unchanged one', async () => {
    const rootfs = join(work, 'my-rootfs');
    mkdirSync(join(rootfs, 'app'), { recursive: true });
    writeFileSync(join(rootfs, 'app', 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(join(rootfs, 'app', 'run.sh'), 0o755);
    const runtime = { entrypoint: ['/app/run.sh'], env: ['MODE=demo'], exposedPorts: ['9000/tcp'] };
    const pushed = await pushUserImage(ctx, rootfs, 'gardener-ts/my-app', '0.1', runtime);
    expect(pushed).toMatchObject({ kind: 'rootfs-directory', pushed: true });
    const config = JSON.parse(await crane$('config', ref('my-app', '0.1')));
    expect(config.config).toMatchObject({ Entrypoint: ['/app/run.sh'], Env: ['MODE=demo'] });
    const files = await crane$('export', ref('my-app', '0.1'), '-');
    expect(files).toContain('echo hi');

    const again = await pushUserImage(ctx, rootfs, 'gardener-ts/my-app', '0.1', runtime);
    expect(again).toMatchObject({ pushed: false, digest: pushed.digest });
  });

  it('pushes an OCI layout as it is, and refuses runtime flags for it', async () => {
    const layout = join(work, 'layout');
    await crane$('pull', '--format=oci', ref('shell', '1.35'), layout);
    const result = await pushUserImage(ctx, layout, 'gardener-ts/copies/shell', '1', {});
    expect(result.kind).toBe('oci-layout');
    expect(result.digest).toBe(await ctx.registry.digest('gardener-ts/shell', '1.35'));
    await expect(pushUserImage(ctx, layout, 'gardener-ts/copies/shell', '2', { cmd: ['x'] })).rejects.toThrow(
      /complete image \(oci-layout\)/,
    );
  });

  it('a bad reference is refused with advice by the CLI and nothing is pushed', async () => {
    const before = await ctx.registry.repositories();
    const cli = spawn(
      process.execPath,
      [
        '--import',
        './scripts/dev/register-ts.mjs',
        'infra/src/images/cli.ts',
        'push',
        work,
        'Evil/Name:1;id',
      ],
      { cwd: REPO_ROOT, env: { ...process.env, GARDENER_TS_REGISTRY_PORT: String(port) }, stdio: 'pipe' },
    );
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise((r) => cli.once('exit', r));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: "Evil\/Name:1;id" is not a valid image name: .*Give NAME:TAG/m);
    expect(await ctx.registry.repositories()).toEqual(before);
  });

  it('a registry that is down gives what to do', async () => {
    const down = new Registry(`127.0.0.1:${await freePort()}`, crane);
    const error = await down.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as ImageError).code).toBe(ImageErrorCode.RegistryDown);
    expect((error as ImageError).message).toContain('start it with `npm run up`');
  });

  it('an unknown built-in image names the ones there are', () => {
    expect(() => builtinImage('nginx')).toThrow(
      /no built-in image "nginx": the built-in images are pause, shell, demo-web/,
    );
  });
});

describe('after a registry restart', () => {
  it('restore puts every recorded tag back from the blobs on disk', async () => {
    const before = await ctx.registry.list();
    expect(before.length).toBeGreaterThanOrEqual(6);
    await stopRegistry();
    await startRegistry();
    expect(await ctx.registry.list()).toEqual([]); // crane keeps tags in memory only
    const restored = await ctx.records.restore(ctx.registry);
    expect(restored).toHaveLength(before.length);
    expect(await ctx.registry.list()).toEqual(before);
    expect(await ctx.records.restore(ctx.registry)).toEqual([]);
  });
});
