import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalProvider } from '@cdktf/provider-local/lib/provider/index.js';
import { SensitiveFile } from '@cdktf/provider-local/lib/sensitive-file/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key/index.js';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider/index.js';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, tofuEnvironment } from '../toolchain/index.js';
import { usePinnedProviderVersions } from './pinned-providers.js';

const run = promisify(execFile);

/** Runs tofu in a fresh network namespace: no route to anywhere, so only the mirror can serve. */
async function tofuOffline(dir: string, env: Record<string, string>, ...args: string[]) {
  return run('unshare', ['--net', binary('tofu'), `-chdir=${dir}`, ...args, '-no-color'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: error.stdout + error.stderr,
    }),
  );
}

function synthesizeProbeStack(outdir: string): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'probe');
  new LocalBackend(stack, { path: join(outdir, 'probe.tfstate') });
  new TlsProvider(stack, 'tls');
  new RandomProvider(stack, 'random');
  new LocalProvider(stack, 'local');
  const key = new PrivateKey(stack, 'node-key', { algorithm: 'ED25519' });
  const password = new Password(stack, 'token', { length: 24, special: false });
  new SensitiveFile(stack, 'secret', {
    filename: join(outdir, 'secret.txt'),
    content: `${key.privateKeyOpenssh}${password.result}`,
  });
  usePinnedProviderVersions(stack);
  app.synth();
  return join(outdir, 'stacks', 'probe');
}

describe('a CDKTF stack with every pinned provider initialises with no network', () => {
  let workdir: string;
  let stackDir: string;

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'gardener-ts-tofu-'));
    stackDir = synthesizeProbeStack(workdir);
  });
  afterAll(async () => {
    await rm(workdir, { recursive: true, force: true });
  });

  it('synthesizes exact provider versions that the mirror holds', async () => {
    const json = JSON.parse(await readFile(join(stackDir, 'cdk.tf.json'), 'utf8'));
    expect(json.terraform.required_providers).toEqual({
      tls: { source: 'hashicorp/tls', version: '4.1.0' },
      random: { source: 'hashicorp/random', version: '3.7.2' },
      local: { source: 'hashicorp/local', version: '2.9.0' },
    });
  });

  it('without the mirror, tofu init cannot reach a registry (the sandbox really is offline)', async () => {
    const emptyConfig = join(workdir, 'no-mirror.tfrc');
    await writeFile(emptyConfig, '');
    const result = await tofuOffline(stackDir, { TF_CLI_CONFIG_FILE: emptyConfig }, 'init', '-input=false');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/registry\.opentofu\.org|Failed to query available provider packages/);
  });

  it('with the mirror as the only source, tofu init and validate succeed', async () => {
    const env = tofuEnvironment();
    const init = await tofuOffline(stackDir, env, 'init', '-input=false');
    expect(init.output).toContain('Installed hashicorp/tls v4.1.0');
    expect(init.output).toContain('Installed hashicorp/random v3.7.2');
    expect(init.output).toContain('Installed hashicorp/local v2.9.0');
    expect(init.code).toBe(0);
    const validate = await tofuOffline(stackDir, env, 'validate');
    expect(validate.output).toContain('The configuration is valid');
    expect(validate.code).toBe(0);
  });
});
