import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthError, AuthErrorCode } from './errors.js';
import { hashToken, newToken, type TokenRecord, type TokenStore } from './tokens.js';

/** The user the admin token file stands for; reserved: no UserToken is issued to it. */
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
 * Makes `token` the admin token: registered, and every earlier one of the file (a replaced or
 * deleted file's, a rotated one) revoked in the same step, so it is refused on its next request.
 */
async function installAdminToken(tokens: TokenStore, token: string): Promise<TokenRecord> {
  const record = await tokens.register(token, {
    kind: 'user',
    name: `${ADMIN_USER}-${hashToken(token).toString('hex').slice(0, 8)}`,
    subject: ADMIN_USER,
    gardenAdmin: true,
  });
  await tokens.revokeUserTokensExcept(ADMIN_USER, token);
  return record;
}

/**
 * The garden admin token: made at first start and written to `path` (mode 0600), or read from an
 * operator-supplied file. Only its hash reaches the database; the plaintext lives in that file only.
 * Any earlier admin token is revoked, so replacing (or deleting) the file and restarting rotates it.
 * Every API server of one garden must therefore read the same file.
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
  await installAdminToken(tokens, token);
  return token;
}

/**
 * Rotates the garden admin token while the server runs: a new token replaces the file's (written
 * 0600 under a temporary name, then renamed over it) and every earlier admin token is revoked at once.
 */
export async function rotateAdminToken(
  tokens: TokenStore,
  path: string,
): Promise<{ token: string; record: TokenRecord }> {
  const token = newToken();
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return { token, record: await installAdminToken(tokens, token) };
}
