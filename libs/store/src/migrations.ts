import type { Pool } from 'pg';

/** Ordered schema changes; a migration, once released, is never edited (add a new one). */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'objects, events and the resource version counter',
    sql: `
      CREATE TABLE resource_version (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        current bigint NOT NULL,
        compacted bigint NOT NULL
      );
      INSERT INTO resource_version (current, compacted) VALUES (0, 0);

      CREATE TABLE objects (
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        uid uuid NOT NULL,
        resource_version bigint NOT NULL,
        body jsonb NOT NULL,
        sealed bytea,
        PRIMARY KEY (kind, namespace, name)
      );
      CREATE INDEX objects_labels ON objects USING gin ((body -> 'metadata' -> 'labels'));
      CREATE INDEX objects_shoot_seed ON objects (kind, (body #>> '{spec,seedName}'));
      CREATE INDEX objects_project_namespace ON objects (kind, (body #>> '{spec,namespace}'));

      CREATE TABLE events (
        resource_version bigint PRIMARY KEY,
        type text NOT NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        uid uuid NOT NULL,
        body jsonb NOT NULL,
        sealed bytea,
        -- the object's plain body before a MODIFIED change, so watches with selectors can tell
        -- an object entering or leaving their selection
        previous_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX events_kind ON events (kind, resource_version);
      CREATE INDEX events_created ON events (created_at);
    `,
  },
  {
    version: 2,
    name: 'outbox of shoots to reconcile',
    sql: `
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        uid uuid NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        -- the seed whose queue gets the job; NULL while the shoot is not scheduled
        seed_name text,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    name: 'one project per namespace',
    sql: `
      CREATE UNIQUE INDEX objects_project_namespace_unique ON objects ((body #>> '{spec,namespace}'))
        WHERE kind = 'Project';
    `,
  },
  {
    version: 4,
    name: 'objects per kind and namespace, kept by the writes themselves',
    // A project's quota check read every object of the kind in its namespace at each create (an
    // index scan of 6,000 entries, 4.7 ms, at 6,000 shoots); it reads one row now. Every write
    // already holds the resource_version row until it commits, and takes its count row after it,
    // so the counts add no wait of their own and no lock-order cycle.
    sql: `
      CREATE TABLE object_counts (
        kind text NOT NULL,
        namespace text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (kind, namespace)
      );
      INSERT INTO object_counts (kind, namespace, count)
        SELECT kind, namespace, count(*) FROM objects GROUP BY kind, namespace;
      CREATE FUNCTION count_objects() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO object_counts (kind, namespace, count) VALUES (NEW.kind, NEW.namespace, 1)
            ON CONFLICT (kind, namespace) DO UPDATE SET count = object_counts.count + 1;
          RETURN NEW;
        END IF;
        UPDATE object_counts SET count = count - 1 WHERE kind = OLD.kind AND namespace = OLD.namespace;
        RETURN OLD;
      END $$;
      CREATE TRIGGER objects_counted AFTER INSERT OR DELETE ON objects
        FOR EACH ROW EXECUTE FUNCTION count_objects();
    `,
  },
  {
    version: 5,
    name: 'search index of the objects in shoots (libs/search)',
    // One row per object of an indexed kind in a shoot, written by the shoot's syncer. Queries
    // read by kind and visible shoot uids in (project namespace, shoot, namespace, name) order,
    // the continue token's order; label selectors use the GIN index.
    sql: `
      CREATE TABLE search_objects (
        shoot_uid uuid NOT NULL,
        project_namespace text NOT NULL,
        shoot text NOT NULL,
        kind text NOT NULL,
        namespace text NOT NULL,
        name text NOT NULL,
        labels jsonb NOT NULL,
        body jsonb NOT NULL,
        -- the list that last wrote the row: a later list prunes the rows it did not see
        list_epoch text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (shoot_uid, kind, namespace, name)
      );
      CREATE INDEX search_objects_order ON search_objects (kind, project_namespace, shoot, namespace, name);
      CREATE INDEX search_objects_labels ON search_objects USING gin (labels);
    `,
  },
  {
    version: 6,
    name: 'search index: label containment by path and value (libs/search)',
    // jsonb_ops looks up a label's key and value apart, and the key `app` matches nearly every row:
    // 25 ms for `app=x` over 100,000 objects; jsonb_path_ops hashes key and value together (0.2 ms).
    // The jsonb_ops index stays for `key` and `!key` (exists), which jsonb_path_ops cannot answer.
    sql: `
      CREATE INDEX search_objects_label_values ON search_objects USING gin (labels jsonb_path_ops);
    `,
  },
];

/** Applies pending migrations once, even when several servers start together. */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['gardener-ts:migrations']);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', ['gardener-ts:migrations'])
      .catch(() => undefined);
    client.release();
  }
}
