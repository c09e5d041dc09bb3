import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AuthError, AuthErrorCode } from './errors.js';
import {
  type Identity,
  makeIdentity,
  SEED_BOOTSTRAP_USER_PREFIX,
  SEED_USER_PREFIX,
  serviceAccountUserName,
} from './identity.js';
import { type IdentityCache, TOKENS_CHANGED_CHANNEL } from './identity-cache.js';

/**
 * `seed`: a gardenlet's credential, scoped to its seed; `seedbootstrap`: short-lived and single-use,
 * exchanged by a new gardenlet for its `seed` token.
 */
export type TokenKind = 'user' | 'serviceaccount' | 'seed' | 'seedbootstrap';

/** A seed's credential as Redis ACLs know it: the SHA-256 of its token is also its Redis password's. */
export interface SeedCredentialHash {
  readonly seedName: string;
  readonly sha256Hex: string;
}

/** A stored token, never with its secret: only its SHA-256 is kept. */
export interface TokenRecord {
  readonly kind: TokenKind;
  /** Unique per kind and namespace; how a token is listed and revoked. */
  readonly name: string;
  /** The project namespace of a service-account token; '' for user tokens. */
  readonly namespace: string;
  /** A user's name, or a service account's name within its namespace. */
  readonly subject: string;
  readonly gardenAdmin: boolean;
  readonly uid: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
}

export interface IssueRequest {
  kind: TokenKind;
  name?: string | undefined;
  namespace?: string | undefined;
  subject: string;
  gardenAdmin?: boolean;
  expiresAt?: Date | undefined;
}

interface Row {
  kind: TokenKind;
  name: string;
  namespace: string;
  subject: string;
  garden_admin: boolean;
  uid: string;
  created_at: Date;
  expires_at: Date | null;
}

/** Tokens are 256 random bits, so one unsalted SHA-256 is enough to make the stored value useless. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** `gts_` marks our tokens (secret scanners and humans recognise them); the rest is random. */
export function newToken(): string {
  return `gts_${randomBytes(32).toString('base64url')}`;
}

function record(row: Row): TokenRecord {
  return {
    kind: row.kind,
    name: row.name,
    namespace: row.namespace,
    subject: row.subject,
    gardenAdmin: row.garden_admin,
    uid: row.uid,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

function identityOf(row: Row): Identity {
  switch (row.kind) {
    case 'serviceaccount':
      return makeIdentity({
        name: serviceAccountUserName(row.namespace, row.subject),
        kind: 'ServiceAccount',
        namespace: row.namespace,
        gardenAdmin: false,
      });
    case 'seed':
      return makeIdentity({
        name: `${SEED_USER_PREFIX}${row.subject}`,
        kind: 'Seed',
        seedName: row.subject,
        gardenAdmin: false,
      });
    case 'seedbootstrap':
      return makeIdentity({
        name: `${SEED_BOOTSTRAP_USER_PREFIX}${row.subject}`,
        kind: 'SeedBootstrap',
        seedName: row.subject,
        gardenAdmin: false,
      });
    default:
      return makeIdentity({ name: row.subject, kind: 'User', gardenAdmin: row.garden_admin === true });
  }
}

const COLUMNS = 'kind, name, namespace, subject, garden_admin, uid, created_at, expires_at';

/** Bearer tokens in PostgreSQL, stored hashed: issue, authenticate, list and revoke. */
export class TokenStore {
  /** `identities`: where authenticated tokens are remembered (none: every request looks its token up). */
  constructor(
    private readonly pool: Pool,
    private readonly identities?: IdentityCache,
  ) {}

  /** Stops the identity cache's listener (the pool is its owner's to end). */
  async close(): Promise<void> {
    await this.identities?.stop();
  }

  async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS auth_tokens (
        hash bytea PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL,
        namespace text NOT NULL DEFAULT '',
        subject text NOT NULL,
        garden_admin boolean NOT NULL DEFAULT false,
        uid uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        UNIQUE (kind, namespace, name)
      )`);
    // every statement that revokes or changes tokens tells every API replica's identity cache
    await this.pool.query(`
      CREATE OR REPLACE FUNCTION notify_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('${TOKENS_CHANGED_CHANNEL}', ''); RETURN NULL; END $$;
      CREATE OR REPLACE TRIGGER auth_tokens_changed AFTER DELETE OR UPDATE ON auth_tokens
        FOR EACH STATEMENT EXECUTE FUNCTION notify_tokens_changed()`);
  }

  /** Makes a token; its secret is returned once and never stored. */
  async issue(request: IssueRequest): Promise<{ token: string; record: TokenRecord }> {
    const token = newToken();
    return { token, record: await this.register(token, request) };
  }

  /** Stores the hash of a token made elsewhere (the admin token file); a no-op if it is known. */
  async register(token: string, request: IssueRequest): Promise<TokenRecord> {
    const name =
      request.name ||
      `${request.subject.replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(3).toString('hex')}`;
    try {
      const { rows } = await this.pool.query<Row>(
        `INSERT INTO auth_tokens (hash, kind, name, namespace, subject, garden_admin, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (hash) DO UPDATE SET hash = EXCLUDED.hash RETURNING ${COLUMNS}`,
        [
          hashToken(token),
          request.kind,
          name,
          request.namespace ?? '',
          request.subject,
          request.gardenAdmin ?? false,
          randomUUID(),
          request.expiresAt ?? null,
        ],
      );
      return record(rows[0] as Row);
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new AuthError(
          AuthErrorCode.TokenExists,
          `a ${request.kind} token named "${name}" already exists`,
        );
      throw error;
    }
  }

  /** The identity a live token stands for; undefined for an unknown, revoked or expired one. */
  async authenticate(token: string, now = new Date()): Promise<Identity | undefined> {
    const hash = hashToken(token);
    const key = hash.toString('hex');
    const remembered = this.identities?.get(key, now);
    if (remembered) return remembered;
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM auth_tokens WHERE hash = $1`, [hash]);
    const row = rows[0];
    if (!row || (row.expires_at && row.expires_at <= now)) return undefined;
    const identity = identityOf(row);
    this.identities?.set(key, identity, row.expires_at);
    return identity;
  }

  /** A bootstrap token for a seed's new gardenlet; it replaces any the seed had that was not used. */
  async issueSeedBootstrap(
    seedName: string,
    expiresAt: Date,
  ): Promise<{ token: string; record: TokenRecord }> {
    await this.pool.query(`DELETE FROM auth_tokens WHERE kind = 'seedbootstrap' AND subject = $1`, [
      seedName,
    ]);
    this.identities?.clear();
    return this.issue({ kind: 'seedbootstrap', name: seedName, subject: seedName, expiresAt });
  }

  /**
   * Trades a live bootstrap token for its seed's credential, at most once: the bootstrap token and
   * any earlier credential of the seed are revoked in the same transaction (re-bootstrapping rotates).
   */
  async exchangeSeedBootstrap(
    bootstrapToken: string,
    now = new Date(),
  ): Promise<{ token: string; record: TokenRecord } | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(
        `DELETE FROM auth_tokens WHERE hash = $1 AND kind = 'seedbootstrap'
           AND (expires_at IS NULL OR expires_at > $2) RETURNING ${COLUMNS}`,
        [hashToken(bootstrapToken), now],
      );
      const seedName = rows[0]?.subject;
      if (!seedName) {
        await client.query('ROLLBACK');
        return undefined;
      }
      await client.query(`DELETE FROM auth_tokens WHERE kind = 'seed' AND subject = $1`, [seedName]);
      const token = newToken();
      const inserted = await client.query<Row>(
        `INSERT INTO auth_tokens (hash, kind, name, namespace, subject, garden_admin, uid)
         VALUES ($1, 'seed', $2, '', $2, false, $3) RETURNING ${COLUMNS}`,
        [hashToken(token), seedName, randomUUID()],
      );
      await client.query('COMMIT');
      this.identities?.clear();
      return { token, record: record(inserted.rows[0] as Row) };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Revokes the credentials and bootstrap tokens of every seed not named (seeds that were deleted)
   * issued before `listedAt`, when the seeds were read: a seed registered since keeps its new token.
   * Returns the seeds whose tokens went.
   */
  async revokeSeedsExcept(seedNames: readonly string[], listedAt: Date): Promise<string[]> {
    const { rows } = await this.pool.query<{ subject: string }>(
      `DELETE FROM auth_tokens WHERE kind IN ('seed', 'seedbootstrap') AND NOT (subject = ANY($1::text[]))
         AND created_at < $2 RETURNING subject`,
      [seedNames, listedAt],
    );
    this.identities?.clear();
    return [...new Set(rows.map((row) => row.subject))].sort();
  }

  /** Every seed credential's hash, for the Redis ACL users that mirror them. */
  async seedCredentialHashes(): Promise<SeedCredentialHash[]> {
    const { rows } = await this.pool.query<{ subject: string; hash: Buffer }>(
      `SELECT subject, hash FROM auth_tokens WHERE kind = 'seed' ORDER BY subject`,
    );
    return rows.map((row) => ({ seedName: row.subject, sha256Hex: row.hash.toString('hex') }));
  }

  async list(kind: TokenKind, namespace = ''): Promise<TokenRecord[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM auth_tokens WHERE kind = $1 AND namespace = $2 ORDER BY name`,
      [kind, namespace],
    );
    return rows.map(record);
  }

  async get(kind: TokenKind, namespace: string, name: string): Promise<TokenRecord> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM auth_tokens WHERE kind = $1 AND namespace = $2 AND name = $3`,
      [kind, namespace, name],
    );
    if (!rows[0]) throw new AuthError(AuthErrorCode.TokenNotFound, `${kind} token "${name}" not found`);
    return record(rows[0]);
  }

  /**
   * Revokes at once: the row goes, so the next request with that token is 401 (this process's
   * identity cache is emptied here, other replicas' by the table's notification).
   */
  async revoke(kind: TokenKind, namespace: string, name: string): Promise<TokenRecord> {
    const { rows } = await this.pool.query<Row>(
      `DELETE FROM auth_tokens WHERE kind = $1 AND namespace = $2 AND name = $3 RETURNING ${COLUMNS}`,
      [kind, namespace, name],
    );
    this.identities?.clear();
    if (!rows[0]) throw new AuthError(AuthErrorCode.TokenNotFound, `${kind} token "${name}" not found`);
    return record(rows[0]);
  }

  /** Revokes every token of a user but the one given (the admin token file's rotation). */
  async revokeUserTokensExcept(subject: string, keep: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM auth_tokens WHERE kind = 'user' AND subject = $1 AND hash <> $2`,
      [subject, hashToken(keep)],
    );
    this.identities?.clear();
    return rowCount ?? 0;
  }

  /** Service-account tokens of a project go with its namespace. */
  async revokeNamespace(namespace: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM auth_tokens WHERE kind = 'serviceaccount' AND namespace = $1`,
      [namespace],
    );
    this.identities?.clear();
    return rowCount ?? 0;
  }
}
