import pg from 'pg';

/**
 * Creates the pg backend's schema, table and index once, under a transaction lock. tofu would
 * create them itself, but two first runs at the same moment race on CREATE … IF NOT EXISTS.
 * The DDL matches OpenTofu's pg backend (one sequence in `public`, so advisory-lock keys, which
 * are state row ids, are unique across schemas).
 */
export async function ensureStateTables(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const quoted = client.escapeIdentifier(schema);
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gardener-ts:tofu-state-tables'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query('CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint');
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.states (
         id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY,
         name text UNIQUE,
         data text)`,
    );
    await client.query(`CREATE UNIQUE INDEX IF NOT EXISTS states_by_name ON ${quoted}.states (name)`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** The workspaces the schema holds state for (none when the schema does not exist yet). */
export async function stateNames(databaseUrl: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [
      schema,
      'states',
    ]);
    if (exists.rowCount === 0) return [];
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM ${client.escapeIdentifier(schema)}.states WHERE name IS NOT NULL ORDER BY name`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}
