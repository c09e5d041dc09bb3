import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USER, ensureAdminToken, rotateAdminToken } from './admin-token.js';
import { parseTokenRequest } from './token-objects.js';
import { newToken, TokenStore } from './tokens.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let tokens: TokenStore;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('gts_admin_token');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  tokens = new TokenStore(pool);
  await tokens.migrate();
  dir = mkdtempSync(join(tmpdir(), 'gts-admin-token-'));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the garden admin token', () => {
  it('replacing the file and starting again revokes the old token', async () => {
    const file = join(dir, 'replaced.token');
    const first = await ensureAdminToken(tokens, file);
    expect((await tokens.authenticate(first))?.gardenAdmin).toBe(true);
    // a restart with the same file keeps it
    expect(await ensureAdminToken(tokens, file)).toBe(first);
    expect(await tokens.authenticate(first)).toBeDefined();
    const second = newToken();
    writeFileSync(file, `${second}\n`, { mode: 0o600 });
    await ensureAdminToken(tokens, file);
    expect(await tokens.authenticate(first)).toBeUndefined();
    expect((await tokens.authenticate(second))?.gardenAdmin).toBe(true);
    // deleting the file makes a new one at the next start, and ends the one before
    rmSync(file);
    const third = await ensureAdminToken(tokens, file);
    expect(await tokens.authenticate(second)).toBeUndefined();
    expect((await tokens.authenticate(third))?.name).toBe(ADMIN_USER);
  });

  it('rotates while running: the file holds the new token (0600), the old one is refused at once', async () => {
    const file = join(dir, 'rotated.token');
    const old = await ensureAdminToken(tokens, file);
    const other = await tokens.issue({ kind: 'user', subject: 'alice', gardenAdmin: true });
    const rotated = await rotateAdminToken(tokens, file);
    expect(rotated.token).not.toBe(old);
    expect(readFileSync(file, 'utf8').trim()).toBe(rotated.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await tokens.authenticate(old)).toBeUndefined();
    expect((await tokens.authenticate(rotated.token))?.gardenAdmin).toBe(true);
    expect(rotated.record).toMatchObject({ subject: ADMIN_USER, gardenAdmin: true });
    // other admins' user tokens are theirs, revoked one by one
    expect((await tokens.authenticate(other.token))?.name).toBe('alice');
  });

  it('issues no UserToken in the admin file’s name', () => {
    expect(() =>
      parseTokenRequest({ spec: { user: ADMIN_USER, gardenAdmin: true } }, 'UserToken', undefined),
    ).toThrow(/admin token file/);
  });
});
