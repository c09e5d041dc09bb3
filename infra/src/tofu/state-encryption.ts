import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The state passphrase lives in a file outside the database (mode 0600), made on first use
 * unless the operator supplies one.
 */
export async function loadOrCreateStateKey(path: string): Promise<string> {
  try {
    const key = (await readFile(path, 'utf8')).trim();
    if (key.length < 32) throw new Error(`state key in ${path} is shorter than 32 characters`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(32).toString('base64url');
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    try {
      await writeFile(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    } catch (writeError) {
      // another process made it first: use theirs
      if ((writeError as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateStateKey(path);
      throw writeError;
    }
    return key;
  }
}

/** The variable through which the key reaches the key provider below: tofu's environment, never a file. */
const KEY_VARIABLE = 'GARDENER_TS_TOFU_STATE_KEY';

/**
 * OpenTofu's external key provider protocol: a header line, then the key (and the decryption key
 * only when tofu passes the metadata of what it decrypts). The key is already 256 random bits, so
 * nothing needs stretching; pbkdf2's 600,000 rounds for every key on every tofu command took a
 * create's infrastructure step from 3.4 s to 8.3 s.
 */
const KEY_PROVIDER_SCRIPT = `echo '{"magic":"OpenTofu-External-Key-Provider","version":1}'
case "$(cat)" in
*external_data*) printf '{"keys":{"encryption_key":"%s","decryption_key":"%s"},"meta":{"external_data":{}}}\\n' "$${KEY_VARIABLE}" "$${KEY_VARIABLE}" ;;
*) printf '{"keys":{"encryption_key":"%s"},"meta":{"external_data":{}}}\\n' "$${KEY_VARIABLE}" ;;
esac`;

/**
 * OpenTofu state and plan encryption (AES-GCM), for tofu's environment: the configuration in
 * TF_ENCRYPTION and the key beside it, so neither lands in a file. State written by earlier
 * versions, keyed by pbkdf2 from the same passphrase (as `key_provider.pbkdf2.state`, the name its
 * metadata is found by), is still read through the fallback and re-keyed on its next write.
 */
export function stateEncryptionEnvironment(passphrase: string): Record<string, string> {
  const key = Buffer.from(hkdfSync('sha256', passphrase, 'gardener-ts', 'tofu state aes-256-gcm', 32));
  const method = {
    method: 'method.aes_gcm.direct',
    enforced: true,
    fallback: { method: 'method.aes_gcm.state' },
  };
  return {
    [KEY_VARIABLE]: key.toString('base64'),
    TF_ENCRYPTION: JSON.stringify({
      key_provider: {
        external: { direct: { command: ['/bin/sh', '-c', KEY_PROVIDER_SCRIPT] } },
        pbkdf2: { state: { passphrase } },
      },
      method: {
        aes_gcm: {
          direct: { keys: 'key_provider.external.direct' },
          state: { keys: 'key_provider.pbkdf2.state' },
        },
      },
      state: method,
      plan: method,
    }),
  };
}
