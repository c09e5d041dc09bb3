import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthError, AuthErrorCode } from './errors.js';
import { hashToken, newToken, type TokenStore } from './tokens.js';

export const ADMIN_USER = 'garden-admin';

function readTokenFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077)
    throw new AuthError(
      AuthErrorCode.TokenFile,
      `${path} must be readable by its owner only (chmod 600), is ${mode.toString(8)}`,
    );
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 32 || /\s/.test(token))
    throw new AuthError(AuthErrorCode.TokenFile, `${path} must hold one token of at least 32 characters`);
  return token;
}

/**
 * The garden admin token: made at first start and written to `path` (mode 0600), or read from an
 * operator-supplied file. Only its hash reaches the database; the plaintext lives in that file only.
 */
export async function ensureAdminToken(tokens: TokenStore, path: string): Promise<string> {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, `${newToken()}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    } catch (error) {
      // Another server sharing the data dir made it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const token = readTokenFile(path);
  await tokens.register(token, {
    kind: 'user',
    name: `${ADMIN_USER}-${hashToken(token).toString('hex').slice(0, 8)}`,
    subject: ADMIN_USER,
    gardenAdmin: true,
  });
  return token;
}
