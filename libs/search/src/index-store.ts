import type { FieldRequirement, LabelRequirement } from '@gardener-ts/api';
import type { Pool, PoolClient } from 'pg';
import type { IndexBatch } from './batch.js';
import { decodeContinue, encodeContinue, type SortKey } from './continue-token.js';
import {
  HIBERNATED_ANNOTATION,
  type IndexedResource,
  PROJECT_NAMESPACE_ANNOTATION,
  SHOOT_ANNOTATION,
  SYNCED_AT_ANNOTATION,
} from './resources.js';

/** A shoot whose objects a query may read: the garden's view of it, not the index's. */
export interface SearchShoot {
  readonly uid: string;
  /** the project namespace */
  readonly namespace: string;
  readonly name: string;
  /** answered from the last known state: the control plane is stopped */
  readonly hibernated: boolean;
}

export interface SearchQuery {
  readonly resource: IndexedResource;
  /** only these shoots' objects are read; the caller decides which a user may see */
  readonly shoots: readonly SearchShoot[];
  /** the objects' own namespace (a namespaced path in the shoot) */
  readonly namespace?: string | undefined;
  readonly labels?: readonly LabelRequirement[];
  readonly fields?: readonly FieldRequirement[];
  readonly limit?: number | undefined;
  readonly continue?: string | undefined;
}

export interface SearchRow {
  readonly shoot: SearchShoot;
  readonly object: Record<string, unknown>;
  /** when the index last wrote the object */
  readonly syncedAt: Date;
}

/** A page of items as JSON text (see SearchIndex.queryJson). */
export interface JsonPage {
  readonly items: string[];
  readonly continue?: string;
}

export interface SearchPage {
  readonly rows: SearchRow[];
  readonly continue?: string;
}

/** An unlimited list stops here and hands out a continue token (a server may return less than asked). */
export const MAX_PAGE = 10_000;

interface Row {
  shoot_uid: string;
  project_namespace: string;
  shoot: string;
  namespace: string;
  name: string;
  body: Record<string, unknown>;
  updated_at: Date;
}

/** SQL conditions with numbered parameters: nothing a user sends is ever spliced into the text. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  labels(requirements: readonly LabelRequirement[]): void {
    for (const r of requirements) {
      if (r.op === 'in') {
        // containment uses the GIN index on labels
        const each = r.values.map((v) => `labels @> ${this.param(JSON.stringify({ [r.key]: v }))}::jsonb`);
        this.clauses.push(`(${each.join(' OR ')})`);
        continue;
      }
      const key = `${this.param(r.key)}::text`;
      if (r.op === 'exists') this.clauses.push(`labels ? ${key}`);
      else if (r.op === 'notexists') this.clauses.push(`NOT labels ? ${key}`);
      else
        this.clauses.push(`NOT coalesce((labels ->> ${key}) = ANY(${this.param(r.values)}::text[]), false)`);
    }
  }

  fields(requirements: readonly FieldRequirement[]): void {
    for (const r of requirements) {
      const column = r.field === 'metadata.name' ? 'name' : 'namespace';
      this.clauses.push(`${column} ${r.op === 'eq' ? '=' : '<>'} ${this.param(r.value)}`);
    }
  }
}

/** The index of the shoots' objects in the garden's PostgreSQL (table search_objects, migration 5). */
export class SearchIndex {
  constructor(private readonly pool: Pool) {}

  /** One batch from a shoot's syncer, in one transaction: upserts, then deletes, then prunes. */
  async apply(shoot: { uid: string; namespace: string; name: string }, batch: IndexBatch): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (batch.clear) await client.query('DELETE FROM search_objects WHERE shoot_uid = $1', [shoot.uid]);
      await this.upsert(client, shoot, batch.upserts);
      await this.remove(client, shoot.uid, batch.deletes);
      for (const prune of batch.prunes)
        await client.query(
          'DELETE FROM search_objects WHERE shoot_uid = $1 AND kind = $2 AND list_epoch <> $3',
          [shoot.uid, prune.kind, prune.epoch],
        );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async upsert(
    client: PoolClient,
    shoot: { uid: string; namespace: string; name: string },
    upserts: IndexBatch['upserts'],
  ): Promise<void> {
    if (upserts.length === 0) return;
    // the last write of a key wins: one statement may not touch a row twice
    const byKey = new Map(
      upserts.map((u) => [`${u.kind}/${u.object.metadata.namespace ?? ''}/${u.object.metadata.name}`, u]),
    );
    const rows = [...byKey.values()];
    await client.query(
      `INSERT INTO search_objects (shoot_uid, project_namespace, shoot, kind, namespace, name, labels, body, list_epoch)
       SELECT $1, $2, $3, t.kind, t.namespace, t.name, t.labels, t.body, t.epoch
         FROM unnest($4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[])
           AS t(kind, namespace, name, labels, body, epoch)
       ON CONFLICT (shoot_uid, kind, namespace, name) DO UPDATE
         SET labels = excluded.labels, body = excluded.body, list_epoch = excluded.list_epoch, updated_at = now()`,
      [
        shoot.uid,
        shoot.namespace,
        shoot.name,
        rows.map((r) => r.kind),
        rows.map((r) => r.object.metadata.namespace ?? ''),
        rows.map((r) => r.object.metadata.name),
        rows.map((r) => JSON.stringify(r.object.metadata.labels ?? {})),
        rows.map((r) => JSON.stringify(r.object)),
        rows.map((r) => r.epoch),
      ],
    );
  }

  private async remove(client: PoolClient, shootUid: string, deletes: IndexBatch['deletes']): Promise<void> {
    if (deletes.length === 0) return;
    await client.query(
      `DELETE FROM search_objects s USING unnest($2::text[], $3::text[], $4::text[]) AS t(kind, namespace, name)
        WHERE s.shoot_uid = $1 AND s.kind = t.kind AND s.namespace = t.namespace AND s.name = t.name`,
      [
        shootUid,
        deletes.map((d) => d.kind),
        deletes.map((d) => d.namespace ?? ''),
        deletes.map((d) => d.name),
      ],
    );
  }

  /**
   * Rows of shoots that no longer exist go (a shoot deleted without its syncer seeing it). Only
   * rows written before `listedAt`, when the live uids were read: a shoot made since keeps its rows.
   */
  async removeShootsOtherThan(liveUids: readonly string[], listedAt: Date): Promise<number> {
    const result = await this.pool.query(
      'DELETE FROM search_objects WHERE NOT (shoot_uid = ANY($1::uuid[])) AND updated_at < $2',
      [liveUids, listedAt],
    );
    return result.rowCount ?? 0;
  }

  async query(query: SearchQuery): Promise<SearchPage> {
    if (query.shoots.length === 0) return { rows: [] };
    const { rows, limit } = await this.select<Row>(query, 'o.body, o.updated_at');
    const byUid = new Map(query.shoots.map((s) => [s.uid, s]));
    const page = rows.slice(0, limit).flatMap((row) => {
      const shoot = byUid.get(row.shoot_uid);
      return shoot ? [{ shoot, object: row.body, syncedAt: row.updated_at }] : [];
    });
    return { rows: page, ...continueAfter(rows, limit) };
  }

  /**
   * The same page as `query`, each item as JSON text with the search annotations already in it,
   * made by PostgreSQL: a list answer is then joined, never parsed and serialised again.
   */
  async queryJson(query: SearchQuery): Promise<JsonPage> {
    if (query.shoots.length === 0) return { items: [] };
    const hibernated = query.shoots.filter((s) => s.hibernated).map((s) => s.uid);
    const { rows, limit } = await this.select<Row & { json: string }>(query, (where) => {
      const marks = `CASE WHEN o.shoot_uid = ANY(${where.param(hibernated)}::uuid[]) THEN jsonb_build_object(
          '${HIBERNATED_ANNOTATION}', 'true',
          '${SYNCED_AT_ANNOTATION}', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        ELSE '{}'::jsonb END`;
      return `jsonb_set(o.body, '{metadata,annotations}', coalesce(o.body #> '{metadata,annotations}', '{}'::jsonb)
          || jsonb_build_object('${SHOOT_ANNOTATION}', o.shoot, '${PROJECT_NAMESPACE_ANNOTATION}', o.project_namespace)
          || ${marks})::text AS json`;
    });
    return { items: rows.slice(0, limit).map((row) => row.json), ...continueAfter(rows, limit) };
  }

  private async select<R extends Row>(
    query: SearchQuery,
    columns: string | ((where: Conditions) => string),
  ): Promise<{ rows: R[]; limit: number }> {
    const where = new Conditions();
    const selected = typeof columns === 'string' ? columns : columns(where);
    where.clauses.push(`kind = ${where.param(query.resource.kind)}`);
    where.clauses.push(`shoot_uid = ANY(${where.param(query.shoots.map((s) => s.uid))}::uuid[])`);
    if (query.namespace !== undefined) where.clauses.push(`namespace = ${where.param(query.namespace)}`);
    where.labels(query.labels ?? []);
    where.fields(query.fields ?? []);
    if (query.continue) {
      const after = decodeContinue(query.continue);
      where.clauses.push(
        `(project_namespace, shoot, namespace, name) > (${after.map((part) => where.param(part)).join(', ')})`,
      );
    }
    const limit = Math.min(query.limit && query.limit > 0 ? query.limit : MAX_PAGE, MAX_PAGE);
    // the page's keys first, then its bodies: whatever plan PostgreSQL picks, the (maybe costly)
    // columns are made for the rows of the page only
    const { rows } = await this.pool.query<R>(
      `SELECT o.shoot_uid, o.project_namespace, o.shoot, o.namespace, o.name, ${selected}
         FROM (SELECT shoot_uid, kind, namespace, name FROM search_objects
                WHERE ${where.clauses.join(' AND ')}
                ORDER BY project_namespace, shoot, namespace, name LIMIT ${where.param(limit + 1)}) AS page
         JOIN search_objects o USING (shoot_uid, kind, namespace, name)
        ORDER BY o.project_namespace, o.shoot, o.namespace, o.name`,
      where.params,
    );
    return { rows, limit };
  }
}

function continueAfter(rows: readonly Row[], limit: number): { continue?: string } {
  const last = rows[limit - 1];
  if (rows.length <= limit || !last) return {};
  const key: SortKey = [last.project_namespace, last.shoot, last.namespace, last.name];
  return { continue: encodeContinue(key) };
}
