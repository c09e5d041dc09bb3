import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifiedBinary } from '../toolchain/index.js';
import { createPullMirror, refusal } from './pull-mirror.js';
import { run } from './run.js';

/**
 * The mirror in front of a real `crane registry serve` (the pinned crane), both on loopback: what
 * crane pulls through it matches the registry byte for byte; every write a tenant could try fails
 * there and leaves the registry as it was.
 */

const work = mkdtempSync(join(tmpdir(), 'gardener-ts-pull-mirror-'));
let crane: string;
let registryChild: ChildProcess;
let registry: string;
let mirror: string;
const mirrorServer = createPullMirror('127.0.0.1:1');

async function freePort(): Promise<number> {
  const probe = (await import('node:net')).createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

async function waitForRegistry(address: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`http://${address}/v2/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`no registry at ${address}`);
}

/** GET with the path exactly as given, and the answer's status. */
function rawGet(address: string, path: string): Promise<number> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const crane$ = async (...args: string[]) => (await run(crane, args)).stdout;

beforeAll(async () => {
  crane = await verifiedBinary('crane');
  registry = `127.0.0.1:${await freePort()}`;
  mkdirSync(join(work, 'blobs'));
  registryChild = spawn(crane, ['registry', 'serve', '--address', registry, '--disk', join(work, 'blobs')], {
    stdio: 'ignore',
  });
  await waitForRegistry(registry);
  writeFileSync(join(work, 'hello'), 'hello from the seed registry\n');
  await run('tar', ['--create', `--file=${join(work, 'layer.tar')}`, `--directory=${work}`, 'hello']);
  await crane$('append', '-f', join(work, 'layer.tar'), '-t', `${registry}/team/web:1`);
  const server = createPullMirror(registry);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(() => new Promise((r) => server.close(r)));
}, 60_000);

afterAll(() => {
  registryChild?.kill('SIGTERM');
  mirrorServer.close();
  rmSync(work, { recursive: true, force: true });
});

describe('registry pull mirror', () => {
  it('serves pulls: the manifest, the digest and the layer are the registry’s own', async () => {
    expect(await crane$('manifest', `${mirror}/team/web:1`)).toBe(
      await crane$('manifest', `${registry}/team/web:1`),
    );
    expect(await crane$('digest', `${mirror}/team/web:1`)).toBe(
      await crane$('digest', `${registry}/team/web:1`),
    );
    expect(await crane$('ls', `${mirror}/team/web`)).toBe('1\n');
    const tar = join(work, 'pulled.tar');
    await crane$('export', `${mirror}/team/web:1`, tar);
    expect(await run('tar', ['--extract', '--to-stdout', `--file=${tar}`, 'hello'])).toMatchObject({
      stdout: 'hello from the seed registry\n',
    });
  });

  it('refuses pushes, deletes and tags over existing ones, and the registry keeps its image', async () => {
    const before = await crane$('digest', `${registry}/team/web:1`);
    writeFileSync(join(work, 'evil'), 'replaced\n');
    await run('tar', ['--create', `--file=${join(work, 'evil.tar')}`, `--directory=${work}`, 'evil']);
    await expect(
      crane$('append', '-f', join(work, 'evil.tar'), '-t', `${mirror}/team/web:1`),
    ).rejects.toThrow(/405|UNSUPPORTED/);
    await expect(crane$('copy', `${registry}/team/web:1`, `${mirror}/team/other:1`)).rejects.toThrow();
    await expect(crane$('delete', `${mirror}/team/web@${before.trim()}`)).rejects.toThrow();
    for (const method of ['PUT', 'POST', 'PATCH', 'DELETE']) {
      const response = await fetch(`http://${mirror}/v2/team/web/manifests/1`, {
        method,
        body: method === 'DELETE' ? undefined : '{}',
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    expect(await crane$('digest', `${registry}/team/web:1`)).toBe(before);
    expect(await crane$('catalog', registry)).toBe('team/web\n');
  });

  it('forwards only pull paths: no catalog, no traversal, no upload endpoints', async () => {
    for (const path of [
      '/v2/_catalog',
      '/v2/team/web/blobs/uploads/',
      '/v2/team/../web/manifests/1',
      '/v2/team/web/manifests/../../_catalog',
      '/v2/team/%2e%2e/web/manifests/1',
      '/v2/team/web/manifests/%2e%2e%2f%2e%2e%2f_catalog',
      '/v2//team/web/manifests/1',
      '/v2/Team/web/manifests/1',
      '/v2/team/web/blobs/sha256:xyz',
      '/metrics',
      '/',
    ]) {
      // sent as written: fetch would resolve the dot segments before they reach the mirror
      expect(await rawGet(mirror, path), path).toBe(404);
    }
    expect((await fetch(`http://${mirror}/v2/`)).status).toBe(200);
    expect(refusal('GET', '/v2/library/nginx/manifests/latest?ns=docker.io')).toBeUndefined();
    expect(refusal('HEAD', '/v2/a/b/c/manifests/sha256:0123')).toBeUndefined();
  });

  it('answers 502 in the registry API’s shape while the registry is down', async () => {
    await new Promise<void>((r) => mirrorServer.listen(0, '127.0.0.1', r));
    const address = `127.0.0.1:${(mirrorServer.address() as AddressInfo).port}`;
    const response = await fetch(`http://${address}/v2/team/web/manifests/1`);
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      errors: [{ code: 'UNAVAILABLE', message: 'the registry does not answer' }],
    });
  });
});
