import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, tofuEnvironment } from '../toolchain/index.js';
import { stateEncryptionEnvironment } from './state-encryption.js';

const run = promisify(execFile);
const PASSPHRASE = 'a-state-passphrase-of-43-characters-0123456';

/** How gardener-ts keyed state before: pbkdf2 from the same passphrase. */
const LEGACY = {
  TF_ENCRYPTION: JSON.stringify({
    key_provider: { pbkdf2: { state: { passphrase: PASSPHRASE } } },
    method: { aes_gcm: { state: { keys: 'key_provider.pbkdf2.state' } } },
    state: { method: 'method.aes_gcm.state', enforced: true },
    plan: { method: 'method.aes_gcm.state', enforced: true },
  }),
};

describe('OpenTofu state encryption', () => {
  let dir: string;
  const tofu = (encryption: Record<string, string>, ...args: string[]) =>
    run(binary('tofu'), args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...tofuEnvironment(), ...encryption },
    });
  const config = (value: string) =>
    writeFile(
      join(dir, 'main.tf.json'),
      JSON.stringify({
        resource: { terraform_data: { note: { input: value } } },
        output: { note: { value: '${terraform_data.note.output}' } },
      }),
    );
  const note = async (encryption: Record<string, string>) =>
    JSON.parse((await tofu(encryption, 'output', '-json')).stdout).note.value;
  const keyedBy = async () =>
    Object.keys(JSON.parse(await readFile(join(dir, 'terraform.tfstate'), 'utf8')).meta);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gardener-ts-encryption-'));
    await config('written before');
    await tofu({}, 'init', '-input=false');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads state written under the earlier pbkdf2 keying, and re-keys it on the next write', async () => {
    const current = stateEncryptionEnvironment(PASSPHRASE);
    await tofu(LEGACY, 'apply', '-auto-approve', '-input=false');
    expect(await keyedBy()).toEqual(['key_provider.pbkdf2.state']);
    expect(await note(current)).toBe('written before');

    await config('written now');
    await tofu(current, 'apply', '-auto-approve', '-input=false');
    expect(await keyedBy()).toEqual(['key_provider.external.direct']);
    expect(await note(current)).toBe('written now');
    const raw = await readFile(join(dir, 'terraform.tfstate'), 'utf8');
    expect(raw).not.toContain('written now');
    expect(raw).not.toContain(current.GARDENER_TS_TOFU_STATE_KEY);
  });

  it('another passphrase cannot read the state', async () => {
    await expect(note(stateEncryptionEnvironment(`${PASSPHRASE}-other`))).rejects.toThrow(/decrypt/i);
  });
});
