import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityCache } from './identity-cache.js';
import { TokenStore } from './tokens.js';

/** Two API replicas' token stores on one database, each remembering identities in its own cache. */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
const replicas: { tokens: TokenStore; pool: pg.Pool }[] = [];

/** A token store whose pool counts the lookups of tokens it sends to PostgreSQL. */
async function replica() {
  const counted = new pg.Pool({ connectionString: db.url, max: 2 });
  let lookups = 0;
  counted.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('FROM auth_tokens WHERE hash')) lookups++;
      return query(...args);
    };
  });
  const cache = new IdentityCache({ connectionString: db.url });
  await cache.start();
  const tokens = new TokenStore(counted, cache);
  replicas.push({ tokens, pool: counted });
  return { tokens, lookups: () => lookups, pool: counted };
}

beforeAll(async () => {
  db = await createTestDatabase('gts_identity_cache');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await new TokenStore(pool).migrate();
});

afterAll(async () => {
  for (const r of replicas) {
    await r.tokens.close();
    await r.pool.end();
  }
  await pool?.end();
  await db?.drop();
});

describe('remembered identities', () => {
  it('look a token up once, and after a revocation answer no at once on the replica that revoked it', async () => {
    const a = await replica();
    const { token } = await a.tokens.issue({ kind: 'user', name: 'alice', subject: 'alice@example.com' });
    const before = a.lookups();
    for (let i = 0; i < 5; i++) expect((await a.tokens.authenticate(token))?.name).toBe('alice@example.com');
    expect(a.lookups() - before).toBe(1);
    await a.tokens.revoke('user', '', 'alice');
    expect(await a.tokens.authenticate(token)).toBeUndefined();
  });

  it('are forgotten by every other replica once a token is revoked anywhere', async () => {
    const a = await replica();
    const b = await replica();
    const { token } = await a.tokens.issue({ kind: 'user', name: 'bob', subject: 'bob@example.com' });
    expect((await b.tokens.authenticate(token))?.name).toBe('bob@example.com');
    await a.tokens.revoke('user', '', 'bob');
    let identity = await b.tokens.authenticate(token);
    for (let i = 0; i < 50 && identity; i++) {
      await sleep(20);
      identity = await b.tokens.authenticate(token);
    }
    expect(identity).toBeUndefined();
  });

  it('never outlive the token’s own expiry', async () => {
    const a = await replica();
    const expiresAt = new Date(Date.now() + 60_000);
    const { token } = await a.tokens.issue({
      kind: 'user',
      name: 'carol',
      subject: 'carol@example.com',
      expiresAt,
    });
    expect(await a.tokens.authenticate(token)).toBeDefined();
    expect(await a.tokens.authenticate(token, new Date(expiresAt.getTime() + 1))).toBeUndefined();
  });
});
