import type { KubeObject, Shoot } from '@gardener-ts/api';
import type { Pool } from 'pg';

export const OUTBOX_CHANNEL = 'gardener_ts_outbox';
export const OPERATION_ANNOTATION = 'gardener.cloud/operation';

export type ReconcileReason = 'create' | 'spec' | 'delete' | 'operation' | 'sweep';

/** A shoot to reconcile, written in the same transaction as the change that calls for it. */
export interface OutboxEntry {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly seedName: string | undefined;
  readonly reason: ReconcileReason;
}

/** Why a shoot write needs a reconcile: create, spec change, deletion, or a new operation annotation. */
export function reconcileReason(next: KubeObject, old: KubeObject | undefined): ReconcileReason | undefined {
  if (next.kind !== 'Shoot') return undefined;
  if (!old) return 'create';
  if (next.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return 'delete';
  if ((next.metadata.generation ?? 0) !== (old.metadata.generation ?? 0)) return 'spec';
  const operation = next.metadata.annotations?.[OPERATION_ANNOTATION];
  if (operation && operation !== old.metadata.annotations?.[OPERATION_ANNOTATION]) return 'operation';
  return undefined;
}

export function outboxEntry(shoot: KubeObject, reason: ReconcileReason): OutboxEntry {
  return {
    uid: shoot.metadata.uid ?? '',
    namespace: shoot.metadata.namespace ?? '',
    name: shoot.metadata.name ?? '',
    seedName: (shoot as unknown as Shoot).spec?.seedName,
    reason,
  };
}

/**
 * The outbox row as part of a write's own statement (a CTE over `changed`, the written row), so the
 * reconcile request costs no round trip of its own while the write's locks are held; `first` is
 * the number of its first parameter.
 */
export function outboxInsert(
  entry: OutboxEntry,
  first: number,
): { cte: string; notify: string; params: unknown[] } {
  const [uid, namespace, name, seedName, reason] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return {
    cte: `box AS (INSERT INTO outbox (uid, namespace, name, seed_name, reason)
                  SELECT ${uid}, ${namespace}, ${name}, ${seedName}, ${reason} FROM changed)`,
    notify: `pg_notify('${OUTBOX_CHANNEL}', '')`,
    params: [entry.uid, entry.namespace, entry.name, entry.seedName ?? null, entry.reason],
  };
}

export interface ShootToEnqueue {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly seedName: string;
  /** false when only the periodic sweep asked: then a job backing off keeps its backoff */
  readonly changed: boolean;
}

const DEFAULT_BATCH = 200;

export interface OutboxRelayOptions {
  /** Puts one job for the shoot on its seed's queue; idempotent (one live job per shoot). */
  enqueue(shoot: ShootToEnqueue): Promise<void>;
  /** Safety net if a notification is lost, and the retry interval after a failed enqueue. */
  pollMs?: number;
  batchSize?: number;
  onError?(error: unknown): void;
}

interface OutboxRow {
  id: string;
  uid: string;
  namespace: string;
  name: string;
  seed_name: string | null;
  reason: string;
}

/**
 * Moves outbox rows to the queue. Rows are locked (SKIP LOCKED, so several API processes share the
 * work), enqueued, and deleted in one transaction: a crash after enqueueing but before the commit
 * only enqueues again, which the one-job-per-shoot queue absorbs. At least once, never lost.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: OutboxRelayOptions,
  ) {}

  async start(listener: {
    query(sql: string): Promise<unknown>;
    on(event: 'notification', fn: () => void): unknown;
  }): Promise<void> {
    listener.on('notification', () => this.kick());
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
  }

  /** Oldest unrelayed row's age in seconds (0 when empty): the outbox lag. */
  async lagSeconds(): Promise<number> {
    const { rows } = await this.pool.query<{ lag: number | null }>(
      'SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS lag FROM outbox',
    );
    return rows[0]?.lag ?? 0;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /**
   * Relays until a batch comes back short of full (or fails, which is retried on the next poll).
   * A short batch took every row it could see: rows committed later come with a notification of
   * their own, which starts another drain, so an empty pass after each one would only cost queries
   * (three per shoot write when writes come one at a time).
   */
  async drain(): Promise<void> {
    const full = this.options.batchSize ?? DEFAULT_BATCH;
    while (!this.stopped && (await this.relayBatch()) >= full) {}
  }

  private async relayBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        'SELECT id, uid, namespace, name, seed_name, reason FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [this.options.batchSize ?? DEFAULT_BATCH],
      );
      // One job per shoot and batch; the newest row knows the shoot's current seed.
      const latest = new Map<string, OutboxRow>();
      const changed = new Set<string>();
      for (const row of rows) {
        latest.set(row.uid, row);
        if (row.reason !== 'sweep') changed.add(row.uid);
      }
      for (const row of latest.values()) {
        if (row.seed_name)
          await this.options.enqueue({
            uid: row.uid,
            namespace: row.namespace,
            name: row.name,
            seedName: row.seed_name,
            changed: changed.has(row.uid),
          });
      }
      if (rows.length)
        await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * Re-enqueues (through the outbox) every scheduled shoot whose observedGeneration lags its
 * generation, that is being deleted, or that carries an operation annotation not yet acted on.
 */
export async function sweepLaggingShoots(pool: Pool): Promise<number> {
  const { rowCount } = await pool.query(
    `INSERT INTO outbox (uid, namespace, name, seed_name, reason)
     SELECT uid, namespace, name, body #>> '{spec,seedName}', 'sweep' FROM objects
     WHERE kind = 'Shoot' AND (body #>> '{spec,seedName}') IS NOT NULL
       AND (coalesce((body #>> '{status,observedGeneration}')::bigint, 0) < (body #>> '{metadata,generation}')::bigint
            OR (body #>> '{metadata,deletionTimestamp}') IS NOT NULL
            OR (body -> 'metadata' -> 'annotations') ? $1)`,
    [OPERATION_ANNOTATION],
  );
  if (rowCount) await pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
  return rowCount ?? 0;
}
