import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { baseImageRootfs, binary, KUBERNETES_VERSION, TOOL_PINS, ToolchainErrorCode } from './index.js';
import { pinKey } from './paths.js';
import { checkAll, checkBinary } from './verify.js';

const run = promisify(execFile);

async function output(path: string, ...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(path, args);
  return stdout + stderr;
}

describe('pinned binaries report their pinned versions', () => {
  it.each(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const)(
    '%s --version',
    async (name) => {
      expect((await output(binary(name), '--version')).trim()).toBe(`Kubernetes ${KUBERNETES_VERSION}`);
    },
  );

  it('kubectl version --client', async () => {
    expect(await output(binary('kubectl'), 'version', '--client')).toMatch(
      new RegExp(`^Client Version: ${KUBERNETES_VERSION}$`, 'm'),
    );
  });

  it('etcd --version', async () => {
    expect(await output(binary('etcd'), '--version')).toMatch(/^etcd Version: 3\.6\.16$/m);
  });

  it('tofu version', async () => {
    expect(await output(binary('tofu'), 'version')).toMatch(/^OpenTofu v1\.12\.6$/m);
  });

  it('kwok --version', async () => {
    expect(await output(binary('kwok'), '--version')).toMatch(/0\.7\.0/);
  });

  it('each provider binary was built from its pinned module version', async () => {
    const providers = TOOL_PINS.filter((p) => p.provider);
    expect(providers.map((p) => p.provider?.type).sort()).toEqual(['local', 'random', 'tls']);
    for (const pin of providers) {
      const spec = pin.binaries[0];
      if (spec?.check.kind !== 'go-module') throw new Error(`${pin.name} has no module check`);
      const status = await checkBinary(pin, spec);
      expect(status.state, `${pin.name}: ${status.detail ?? ''}`).toBe('ready');
      expect(await output('go', 'version', '-m', status.path)).toContain(
        `mod\t${spec.check.module}\t${spec.check.moduleVersion}`,
      );
    }
  });

  it('every pinned binary is ready', async () => {
    const notReady = (await checkAll()).filter((s) => s.state !== 'ready');
    expect(notReady).toEqual([]);
  });
});

describe('binary overrides and cache keys', () => {
  const etcd = TOOL_PINS.find((p) => p.name === 'etcd');
  const etcdBinary = etcd?.binaries[0];

  it('a user-supplied binary of another version is reported, not used silently', async () => {
    if (!etcd || !etcdBinary) throw new Error('etcd pin missing');
    process.env[etcdBinary.env] = '/bin/echo';
    try {
      const status = await checkBinary(etcd, etcdBinary);
      expect(status).toMatchObject({ state: 'wrong-version', fromEnv: true, path: '/bin/echo' });
    } finally {
      delete process.env[etcdBinary.env];
    }
  });

  it('a missing binary names the command that builds it', () => {
    const original = process.env.GARDENER_TS_KWOK;
    process.env.GARDENER_TS_KWOK = '/nonexistent/kwok';
    try {
      expect(() => binary('kwok')).toThrow(/npm run toolchain -- build/);
      expect(() => binary('kwok')).toThrow(expect.objectContaining({ code: ToolchainErrorCode.NotBuilt }));
    } finally {
      if (original === undefined) delete process.env.GARDENER_TS_KWOK;
      else process.env.GARDENER_TS_KWOK = original;
    }
  });

  it('a changed pin gets a new cache directory, unchanged pins keep theirs', () => {
    if (!etcd) throw new Error('etcd pin missing');
    expect(pinKey(etcd)).toBe(pinKey({ ...etcd }));
    expect(pinKey({ ...etcd, version: 'v3.6.17' })).not.toBe(pinKey(etcd));
    expect(pinKey({ ...etcd, ldflags: '-X main.x=y' })).not.toBe(pinKey(etcd));
  });
});

describe('base image for local machines', () => {
  it.each(['usr/sbin/sshd', 'usr/bin/sudo', 'usr/bin/curl', 'usr/bin/openssl', 'usr/sbin/ip'])(
    'holds %s',
    (path) => {
      expect(existsSync(join(baseImageRootfs(), path))).toBe(true);
    },
  );
});
