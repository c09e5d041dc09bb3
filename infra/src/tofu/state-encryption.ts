import { randomBytes } from 'node:crypto';
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

/** OpenTofu state and plan encryption, passed in TF_ENCRYPTION so it never lands in a file. */
export function encryptionConfig(passphrase: string): string {
  return JSON.stringify({
    key_provider: { pbkdf2: { state: { passphrase } } },
    method: { aes_gcm: { state: { keys: 'key_provider.pbkdf2.state' } } },
    state: { method: 'method.aes_gcm.state', enforced: true },
    plan: { method: 'method.aes_gcm.state', enforced: true },
  });
}
