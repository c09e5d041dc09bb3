import type { Pool } from 'pg';

/**
 * Runs `fn` only if no other process runs it now: a transaction-scoped advisory lock, tried (never
 * waited for) on one pooled connection that holds nothing else, so it cannot starve the pool. A
 * crashed holder's connection closes and frees the lock. Returns false when another holds it.
 */
export async function whileHoldingLock(pool: Pool, name: string, fn: () => Promise<void>): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
      [name],
    );
    if (!rows[0]?.locked) return false;
    await fn();
    return true;
  } finally {
    // ending the transaction frees the lock
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
