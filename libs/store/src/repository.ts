import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type FieldRequirement,
  type KubeObject,
  type LabelRequirement,
  matchesFields,
  matchesLabels,
  type QuotaLimits,
} from '@gardener-ts/api';
import type { Pool, PoolClient } from 'pg';
import type { ObjectCodec } from './codec.js';
import { StoreError, StoreErrorCode } from './errors.js';
import {
  guardProjectOnCreate,
  namespaceRefusal,
  needsOwningProject,
  owningProjectGuard,
} from './namespace-lifecycle.js';
import { type OutboxEntry, outboxInsert } from './outbox.js';
import { countsAgainstQuota, guardQuotaOnCreate } from './project-quota.js';
import { SqlConditions } from './sql-selectors.js';
import { namespaceClaimConflict } from './unique-claims.js';

export const EVENTS_CHANNEL = 'gardener_ts_events';

export interface ObjectKey {
  kind: string;
  namespace?: string | undefined;
  name: string;
}

export interface Selection {
  namespace?: string | undefined;
  labels?: readonly LabelRequirement[];
  fields?: readonly FieldRequirement[];
}

export interface ListOptions extends Selection {
  limit?: number | undefined;
  continue?: string | undefined;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  resourceVersion: bigint;
  type: EventType;
  object: KubeObject;
  /** For MODIFIED: the object before the change, without its sealed fields. */
  previous?: KubeObject;
}

interface Row {
  resource_version: string;
  body: KubeObject;
  sealed: Buffer | null;
}

/** A row of a list: the page's columns are null when the page is empty. */
interface ListRow {
  current: string;
  resource_version: string | null;
  body: KubeObject | null;
  sealed: Buffer | null;
}

/** A row of eventsSince: the compaction mark, and an event's columns (null when there is none). */
interface EventPageRow {
  compacted: string;
  resource_version: string | null;
  type: EventType | null;
  body: KubeObject | null;
  sealed: Buffer | null;
  previous_body: KubeObject | null;
}

interface ContinueToken {
  rv: string;
  ns: string;
  name: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof token.rv === 'string' && typeof token.ns === 'string' && typeof token.name === 'string')
      return token;
  } catch {
    // fall through
  }
  throw new StoreError(StoreErrorCode.InvalidContinue, 'the continue token is malformed');
}

function keyParams(key: ObjectKey): [string, string, string] {
  return [key.kind, key.namespace ?? '', key.name];
}

function describe(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

export interface RepositoryOptions {
  /**
   * Shoots and bastions a project may hold when no ProjectQuota of its own names the key; keys
   * absent here are not limited by default.
   */
  readonly projectQuotaDefaults?: QuotaLimits;
}

/** What a write may carry besides the object: its outbox row, and the version it must replace. */
interface WriteExtras {
  readonly outbox?: OutboxEntry;
  readonly expected?: { readonly resourceVersion: string; readonly uid?: string };
}

/**
 * A CTE `target` that locks the row to replace only if it still has the expected version (and
 * uid); the counter's update waits on it, so the row lock comes before the counter's, as in the
 * transactional path (lockAndCheck, then write), and a refused write takes no resourceVersion.
 * Adds its values to `params`.
 */
function preconditionOn(expected: NonNullable<WriteExtras['expected']>, params: unknown[]): { cte: string } {
  params.push(expected.resourceVersion);
  const rv = `$${params.length}`;
  let uid = '';
  if (expected.uid !== undefined) {
    params.push(expected.uid);
    uid = ` AND uid::text = $${params.length}`;
  }
  return {
    cte: `target AS (SELECT 1 FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3
                     AND resource_version::text = ${rv}${uid} FOR UPDATE)`,
  };
}

/** The one-statement write casts the uid; any other text goes the locked way, which words the Conflict. */
function isUuidOrAbsent(uid: string | undefined): boolean {
  return uid === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uid);
}

function lockKey(key: ObjectKey): string {
  return `${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

function conflictMessage(key: ObjectKey): string {
  return `Operation cannot be fulfilled on ${key.kind} "${describe(key)}": the object has been modified; please apply your changes to the latest version and try again`;
}

/** The stored row if it meets the preconditions; NotFound or Conflict otherwise. */
function checkPreconditions<R extends Row & { uid: string }>(
  key: ObjectKey,
  row: R | undefined,
  expectedRv?: string,
  expectedUid?: string,
): R {
  if (!row) throw new StoreError(StoreErrorCode.NotFound, `${key.kind} "${describe(key)}" not found`);
  if (expectedRv !== undefined && expectedRv !== row.resource_version)
    throw new StoreError(StoreErrorCode.Conflict, conflictMessage(key));
  if (expectedUid !== undefined && expectedUid !== row.uid)
    throw new StoreError(
      StoreErrorCode.Conflict,
      `Precondition failed: UID in precondition: ${expectedUid}, UID in object meta: ${row.uid}`,
    );
  return row;
}

/** The transaction that repository calls made inside `withLock` join; `open` ends with it. */
interface Joined {
  readonly client: PoolClient;
  open: boolean;
  /** kinds written in it, counted once it commits (see writesOf) */
  readonly written: Set<string>;
  /** rows it locked with withRowLock, by key: reads of them in it need no round trip */
  readonly locked: Map<string, Row>;
}

/**
 * The one access path to stored objects of every kind. Every write takes the next value of a
 * single counter (a row lock held until commit), so resourceVersions are unique, increase in
 * commit order, and the events table can be read in that order by watchers without gaps.
 */
export class ResourceRepository {
  private readonly joined = new AsyncLocalStorage<Joined>();
  private readonly committedWrites = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly codec: ObjectCodec,
    private readonly options: RepositoryOptions = {},
  ) {}

  /** The connection of the `withLock` transaction this call runs in, if any; else the pool. */
  private get db(): Pool | PoolClient {
    return this.current()?.client ?? this.pool;
  }

  /**
   * How many writes of a kind this process has committed: a reader that caches objects of the kind
   * takes this before it reads and may use what it read while the number is unchanged (writes by
   * other processes it must learn of otherwise, e.g. from a watch).
   */
  writesOf(kind: string): number {
    return this.committedWrites.get(kind) ?? 0;
  }

  private countCommitted(kinds: Iterable<string>): void {
    for (const kind of kinds) this.committedWrites.set(kind, this.writesOf(kind) + 1);
  }

  private current(): Joined | undefined {
    const joined = this.joined.getStore();
    return joined?.open ? joined : undefined;
  }

  async get(key: ObjectKey): Promise<KubeObject | undefined> {
    const locked = this.current()?.locked.get(lockKey(key));
    if (locked) return this.codec.decode(locked.body, locked.sealed, locked.resource_version);
    const { rows } = await this.db.query<Row>(
      'SELECT resource_version, body, sealed FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3',
      keyParams(key),
    );
    const row = rows[0];
    return row && this.codec.decode(row.body, row.sealed, row.resource_version);
  }

  /** Names of the objects of a kind whose JSON field (dotted path) equals `value`. */
  async namesWhere(kind: string, field: string, value: string, limit = 100): Promise<ObjectKey[]> {
    const { rows } = await this.db.query<{ namespace: string; name: string }>(
      'SELECT namespace, name FROM objects WHERE kind = $1 AND (body #>> $2::text[]) = $3 ORDER BY namespace, name LIMIT $4',
      [kind, field.split('.'), value, limit],
    );
    return rows.map((r) => ({ kind, namespace: r.namespace || undefined, name: r.name }));
  }

  /** The first object of a kind (by namespace and name) whose JSON field (dotted path) equals `value`. */
  async findWhere(kind: string, field: string, value: string): Promise<KubeObject | undefined> {
    const { rows } = await this.db.query<Row>(
      `SELECT resource_version, body, sealed FROM objects WHERE kind = $1 AND (body #>> $2::text[]) = $3
       ORDER BY namespace, name LIMIT 1`,
      [kind, field.split('.'), value],
    );
    const row = rows[0];
    return row && this.codec.decode(row.body, row.sealed, row.resource_version);
  }

  /**
   * One JSON field (dotted path `select`) of every object of a kind whose field `where` equals
   * `value`, with the object's key; null where the object lacks it. Reads no whole bodies: admission
   * asks this for the node networks of every shoot on a seed at each create.
   */
  async fieldWhere(
    kind: string,
    where: string,
    value: string,
    select: string,
  ): Promise<{ namespace: string; name: string; value: string | null }[]> {
    const { rows } = await this.db.query<{ namespace: string; name: string; value: string | null }>(
      'SELECT namespace, name, body #>> $4::text[] AS value FROM objects WHERE kind = $1 AND (body #>> $2::text[]) = $3',
      [kind, where.split('.'), value, select.split('.')],
    );
    return rows;
  }

  /** How many objects of a kind have each value of a JSON field (dotted path); objects without it are left out. */
  async countBy(kind: string, field: string): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ value: string; count: string }>(
      'SELECT body #>> $2::text[] AS value, count(*)::text AS count FROM objects WHERE kind = $1 AND (body #>> $2::text[]) IS NOT NULL GROUP BY 1',
      [kind, field.split('.')],
    );
    return new Map(rows.map((r) => [r.value, Number(r.count)]));
  }

  /** Objects of a kind that lack a JSON field (e.g. shoots without spec.seedName), oldest first. */
  async listWithout(kind: string, field: string, limit = 500): Promise<KubeObject[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT resource_version, body, sealed FROM objects WHERE kind = $1 AND (body #>> $2::text[]) IS NULL
       ORDER BY resource_version LIMIT $3`,
      [kind, field.split('.'), limit],
    );
    return rows.map((r) => this.codec.decode(r.body, r.sealed, r.resource_version));
  }

  /**
   * Objects of a kind whose newest time (of `timeFields`, dotted paths to RFC 3339 times; absent
   * ones left out; `fallbackField` when all are absent) is before `before`, with the version they
   * were read at, oldest first.
   */
  async olderThan(
    kind: string,
    when: { readonly timeFields: readonly string[]; readonly fallbackField: string },
    before: Date,
    limit = 500,
  ): Promise<Array<ObjectKey & { resourceVersion: string }>> {
    const conditions = new SqlConditions([kind]);
    const time = (field: string) => `(body #>> ${conditions.param(field.split('.'))}::text[])::timestamptz`;
    const newest = `coalesce(greatest(${when.timeFields.map(time).join(', ')}), ${time(when.fallbackField)})`;
    const { rows } = await this.db.query<{ namespace: string; name: string; resource_version: string }>(
      `SELECT namespace, name, resource_version::text FROM objects
       WHERE kind = $1 AND ${newest} < ${conditions.param(before)} ORDER BY ${newest} LIMIT ${conditions.param(limit)}`,
      conditions.params,
    );
    return rows.map((r) => ({
      kind,
      namespace: r.namespace || undefined,
      name: r.name,
      resourceVersion: r.resource_version,
    }));
  }

  async currentResourceVersion(): Promise<bigint> {
    const { rows } = await this.db.query<{ current: string }>('SELECT current FROM resource_version');
    return BigInt(rows[0]?.current ?? '0');
  }

  async compactedResourceVersion(): Promise<bigint> {
    const { rows } = await this.db.query<{ compacted: string }>('SELECT compacted FROM resource_version');
    return BigInt(rows[0]?.compacted ?? '0');
  }

  /**
   * A consistent page of objects ordered by namespace and name; `continue` resumes after the last
   * one. One statement (one snapshot) reads the page and the current resourceVersion together, so
   * a watch from that version misses nothing the page lacks: one round trip where a read-only
   * transaction took four.
   */
  async list(kind: string, options: ListOptions = {}): Promise<ListResult> {
    const token = options.continue ? decodeContinue(options.continue) : undefined;
    const conditions = new SqlConditions([kind]);
    conditions.add('kind = $1');
    if (options.namespace) conditions.add(`namespace = ${conditions.param(options.namespace)}`);
    if (token)
      conditions.add(`(namespace, name) > (${conditions.param(token.ns)}, ${conditions.param(token.name)})`);
    conditions.labels(options.labels ?? []);
    conditions.fields(options.fields ?? []);
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    // the counter's one row, joined to the page: an empty page still says which version it is of
    const sql = `SELECT c.current::text AS current, o.resource_version, o.body, o.sealed
      FROM resource_version c LEFT JOIN LATERAL (
        SELECT resource_version, body, sealed, namespace, name FROM objects ${conditions.where()}
        ORDER BY namespace, name${limit ? ` LIMIT ${limit + 1}` : ''}
      ) o ON true
      ORDER BY o.namespace, o.name`;
    const { rows } = await this.db.query<ListRow>(sql, conditions.params);
    const found = rows.filter((r): r is ListRow & Row => r.body !== null);
    const page = limit ? found.slice(0, limit) : found;
    const items = page.map((r) => this.codec.decode(r.body, r.sealed, r.resource_version));
    const resourceVersion = token?.rv ?? rows[0]?.current ?? '0';
    const last = items[items.length - 1];
    const result: ListResult = { items, resourceVersion };
    if (limit && found.length > limit && last) {
      result.continue = encodeContinue({
        rv: resourceVersion,
        ns: last.metadata.namespace ?? '',
        name: last.metadata.name ?? '',
      });
    }
    return result;
  }

  /**
   * Inserts a new object; with `outbox`, the reconcile request is written in the same statement.
   * The owning project's check is part of the insert, so a create that needs no other check (no
   * quota, not a Project, no enclosing `withLock`) is one statement and no explicit transaction.
   */
  async create(obj: KubeObject, outbox?: OutboxEntry): Promise<KubeObject> {
    const key = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
    const insert = async (db: Pool | PoolClient) => {
      const written = await this.write(db, 'ADDED', key, obj, 'insert', { outbox });
      if (written.refusedOwners !== undefined)
        throw namespaceRefusal(key.namespace ?? '', written.refusedOwners);
      if (written.rv === undefined)
        throw new StoreError(StoreErrorCode.AlreadyExists, `${obj.kind} "${describe(key)}" already exists`);
      return this.withVersion(obj, written.rv);
    };
    if (!this.current() && obj.kind !== 'Project' && !countsAgainstQuota(obj)) return insert(this.pool);
    return this.transaction(async (client) => {
      await guardProjectOnCreate(client, obj);
      await guardQuotaOnCreate(client, obj, this.options.projectQuotaDefaults ?? {});
      return insert(client);
    });
  }

  /**
   * Replaces a stored object. With `expectedResourceVersion`, a write based on anything but the
   * stored version fails with Conflict and changes nothing.
   */
  async update(obj: KubeObject, expectedResourceVersion?: string, outbox?: OutboxEntry): Promise<KubeObject> {
    const key = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
    if (!this.current() && expectedResourceVersion !== undefined && isUuidOrAbsent(obj.metadata.uid)) {
      // one statement: the precondition locks the row first (see write), no explicit transaction
      const { rv } = await this.write(this.pool, 'MODIFIED', key, obj, 'update', {
        outbox,
        expected: { resourceVersion: expectedResourceVersion, uid: obj.metadata.uid },
      });
      if (rv === undefined) await this.explainMissedUpdate(key, expectedResourceVersion, obj.metadata.uid);
      return this.withVersion(obj, rv ?? '');
    }
    return this.transaction(async (client) => {
      await this.lockAndCheck(client, key, expectedResourceVersion, obj.metadata.uid);
      const { rv } = await this.write(client, 'MODIFIED', key, obj, 'update', { outbox });
      return this.withVersion(obj, rv ?? '');
    });
  }

  /** Why a preconditioned update changed nothing: NotFound or Conflict, as lockAndCheck words them. */
  private async explainMissedUpdate(
    key: ObjectKey,
    expectedRv: string,
    expectedUid?: string,
  ): Promise<never> {
    const { rows } = await this.pool.query<Row & { uid: string }>(
      'SELECT resource_version, uid, body, sealed FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3',
      keyParams(key),
    );
    checkPreconditions(key, rows[0], expectedRv, expectedUid);
    // it matched when read again: a writer came and went in between, as with any lost race
    throw new StoreError(StoreErrorCode.Conflict, conflictMessage(key));
  }

  /** Removes an object; returns its last state (with the deletion's resourceVersion). */
  async delete(key: ObjectKey, expectedResourceVersion?: string, expectedUid?: string): Promise<KubeObject> {
    return this.transaction(async (client) => {
      const current = await this.lockAndCheck(client, key, expectedResourceVersion, expectedUid);
      const obj = this.codec.decode(current.body, current.sealed, current.resource_version);
      const { rv } = await this.write(client, 'DELETED', key, obj, 'delete');
      return this.withVersion(obj, rv ?? '');
    });
  }

  /** Events after `after` (of the given kinds, else all), oldest first; Expired when that history was compacted. */
  async eventsSince(
    kinds: readonly string[] | undefined,
    after: bigint,
    limit = 1000,
  ): Promise<StoredEvent[]> {
    // the compaction mark and the events in one statement: one snapshot, one round trip per pump
    const { rows } = await this.db.query<EventPageRow>(
      `SELECT r.compacted::text AS compacted, e.* FROM resource_version r LEFT JOIN LATERAL (
         SELECT resource_version, type, body, sealed, previous_body FROM events
         WHERE resource_version > $1 AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
         ORDER BY resource_version LIMIT $2) e ON true`,
      [after.toString(), limit, kinds ?? null],
    );
    const compacted = BigInt(rows[0]?.compacted ?? '0');
    if (after < compacted) {
      throw new StoreError(StoreErrorCode.Expired, `too old resource version: ${after} (${compacted})`);
    }
    return rows.flatMap((r) =>
      r.resource_version && r.type && r.body
        ? [
            {
              resourceVersion: BigInt(r.resource_version),
              type: r.type,
              object: this.codec.decode(r.body, r.sealed, r.resource_version),
              ...(r.previous_body ? { previous: r.previous_body } : {}),
            },
          ]
        : [],
    );
  }

  /** Drops watch history older than `before`; watches resuming from before it then get Expired. */
  async compact(before: Date): Promise<bigint> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ max: string | null }>(
        'WITH gone AS (DELETE FROM events WHERE created_at < $1 RETURNING resource_version) SELECT max(resource_version)::text AS max FROM gone',
        [before],
      );
      const max = rows[0]?.max;
      if (max) await client.query('UPDATE resource_version SET compacted = greatest(compacted, $1)', [max]);
      const result = await client.query<{ compacted: string }>('SELECT compacted FROM resource_version');
      return BigInt(result.rows[0]?.compacted ?? '0');
    });
  }

  /**
   * Runs `fn` in one transaction that holds a cluster-wide advisory lock named `name` (e.g. one
   * seed's node networks) until it commits or rolls back. Every repository call `fn` makes joins
   * that transaction on its one connection: a holder that needed a second pooled connection while
   * waiters held the rest would hang the pool.
   */
  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
      return fn();
    });
  }

  /**
   * Runs `fn` in one transaction that holds the row of `key` locked (FOR NO KEY UPDATE: other
   * writers of it and other holders wait; readers do not) until it commits, like withLock but on
   * the object itself, which reads of it inside `fn` then take from the lock's own read. Runs `fn`
   * without a lock when the object does not exist (its absence is then for `fn` to report).
   */
  async withRowLock<T>(key: ObjectKey, fn: () => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<Row>(
        'SELECT resource_version, body, sealed FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3 FOR NO KEY UPDATE',
        keyParams(key),
      );
      const row = rows[0];
      if (row) this.current()?.locked.set(lockKey(key), row);
      return fn();
    });
  }

  /**
   * How a watcher with `selection` sees an event: a change that moves an object into the selection
   * is ADDED, out of it DELETED (as Kubernetes does), and one outside it is not seen at all.
   */
  static seenAs(event: StoredEvent, selection: Selection): EventType | undefined {
    const now = ResourceRepository.matches(event.object, selection);
    if (event.type !== 'MODIFIED' || !event.previous) return now ? event.type : undefined;
    const before = ResourceRepository.matches(event.previous, selection);
    if (now) return before ? 'MODIFIED' : 'ADDED';
    return before ? 'DELETED' : undefined;
  }

  static matches(obj: KubeObject, selection: Selection): boolean {
    if (selection.namespace && obj.metadata.namespace !== selection.namespace) return false;
    return (
      matchesLabels(selection.labels ?? [], obj.metadata.labels) && matchesFields(selection.fields ?? [], obj)
    );
  }

  private withVersion(obj: KubeObject, rv: string): KubeObject {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = rv;
    return copy;
  }

  private async lockAndCheck(
    client: PoolClient,
    key: ObjectKey,
    expectedRv?: string,
    expectedUid?: string,
  ): Promise<Row & { uid: string }> {
    const { rows } = await client.query<Row & { uid: string }>(
      'SELECT resource_version, uid, body, sealed FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3 FOR UPDATE',
      keyParams(key),
    );
    return checkPreconditions(key, rows[0], expectedRv, expectedUid);
  }

  /**
   * Takes the next resourceVersion and writes the object, its event and its outbox row (if any) in
   * one statement: the counter's row lock is held until commit, so nothing more runs after it. An
   * insert into a project's namespace goes ahead only while the project is there and not being
   * deleted (`refusedOwners` then says how many owners it found). `rv` is undefined when nothing
   * was written (an insert that found the name taken, or was refused).
   */
  private async write(
    db: Pool | PoolClient,
    type: EventType,
    key: ObjectKey,
    obj: KubeObject,
    op: 'insert' | 'update' | 'delete',
    { outbox, expected }: WriteExtras = {},
  ): Promise<{ rv?: string; refusedOwners?: number }> {
    const { body, sealed } = this.codec.encode(obj);
    const params: unknown[] = [...keyParams(key), obj.metadata.uid, JSON.stringify(body), sealed, type];
    const precondition = expected && preconditionOn(expected, params);
    const box = outbox && outboxInsert(outbox, params.length + 1);
    const guard = op === 'insert' && needsOwningProject(obj) ? owningProjectGuard('$2') : undefined;
    const change = {
      insert: `INSERT INTO objects (kind, namespace, name, uid, resource_version, body, sealed)
               SELECT $1, $2, $3, $4::uuid, rv.current, $5::jsonb, $6 FROM rv ${guard ? `WHERE ${guard.condition}` : ''}
               ON CONFLICT (kind, namespace, name) DO NOTHING RETURNING resource_version`,
      update: `UPDATE objects SET resource_version = rv.current, body = $5::jsonb, sealed = $6
               FROM rv WHERE kind = $1 AND namespace = $2 AND name = $3 RETURNING resource_version`,
      delete: `DELETE FROM objects USING rv WHERE kind = $1 AND namespace = $2 AND name = $3 RETURNING rv.current AS resource_version`,
    }[op];
    const ctes = [
      guard?.cte,
      'previous AS (SELECT body FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3)',
      precondition?.cte,
      `rv AS (UPDATE resource_version SET current = current + 1 ${precondition ? 'WHERE EXISTS (SELECT 1 FROM target)' : ''} RETURNING current)`,
      `changed AS (${change})`,
      `event AS (INSERT INTO events (resource_version, type, kind, namespace, name, uid, body, sealed, previous_body)
                 SELECT resource_version, $7, $1, $2, $3, $4::uuid, $5::jsonb, $6::bytea,
                        CASE WHEN $7 = 'MODIFIED' THEN (SELECT body FROM previous) END
                 FROM changed)`,
      box?.cte,
    ].filter(Boolean);
    const notify = (call: string) => `CASE WHEN c.resource_version IS NOT NULL THEN ${call} END`;
    const { rows } = await db.query<{ resource_version: string | null; refused_owners: number | null }>(
      `WITH ${ctes.join(',\n')}
       SELECT c.resource_version::text AS resource_version,
              ${guard ? `CASE WHEN NOT (${guard.condition}) THEN (SELECT count(*) FROM owner)::int END` : 'NULL'} AS refused_owners,
              ${notify(`pg_notify('${EVENTS_CHANNEL}', c.resource_version::text)`)}${box ? `, ${notify(box.notify)}` : ''}
       FROM (SELECT 1) AS one LEFT JOIN changed c ON true`,
      box ? [...params, ...box.params] : params,
    );
    const row = rows[0];
    if (row?.resource_version) {
      const joined = this.current();
      joined?.locked.delete(lockKey(key)); // what withRowLock read of it is old now
      if (joined) joined.written.add(key.kind);
      else this.countCommitted([key.kind]); // one statement: committed already
    }
    return {
      ...(row?.resource_version ? { rv: row.resource_version } : {}),
      ...(row?.refused_owners !== null && row?.refused_owners !== undefined
        ? { refusedOwners: row.refused_owners }
        : {}),
    };
  }

  /** Runs `fn` in a transaction: the `withLock` one this call runs in, else a new one. */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const outer = this.current();
    if (outer) return fn(outer.client);
    const client = await this.pool.connect();
    const joined: Joined = { client, open: true, written: new Set(), locked: new Map() };
    try {
      await client.query('BEGIN');
      const result = await this.joined.run(joined, () => fn(client));
      await client.query('COMMIT');
      this.countCommitted(joined.written);
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw namespaceClaimConflict(error);
    } finally {
      // work that outlives the transaction (a promise cached inside it) goes to the pool again
      joined.open = false;
      client.release();
    }
  }
}
