import {
  ApiError,
  ApiErrorCode,
  GARDEN_NAMESPACE,
  type KubeObject,
  type ObjectMeta,
  RESOURCE_TYPES,
} from '@gardener-ts/api';
import type { Pool, PoolClient } from 'pg';

/**
 * A project's namespace, as Kubernetes' NamespaceLifecycle admission keeps it, but inside the
 * write's own transaction so that no race gets past it:
 * - a namespaced object goes in only while a project owns its namespace and is not being deleted
 *   (the project row is locked FOR SHARE until the insert commits, so marking the project for
 *   deletion waits for creates already under way, and every create after it sees the mark);
 * - a project may claim a namespace only once nothing of an earlier project is left in it.
 * The garden's own namespace exists without a project and is never terminated.
 */

const NAMESPACED_KINDS = RESOURCE_TYPES.filter((t) => t.namespaced).map((t) => t.kind);

/** Kubernetes' wording (NamespaceLifecycle), 403 Forbidden. */
export function namespaceTerminating(namespace: string): ApiError {
  return new ApiError(
    ApiErrorCode.Forbidden,
    `unable to create new content in namespace ${namespace} because it is being terminated`,
    { kind: 'namespaces', name: namespace },
  );
}

function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(ApiErrorCode.NotFound, `namespaces "${namespace}" not found`, {
    kind: 'namespaces',
    name: namespace,
  });
}

function namespaceNotEmpty(namespace: string): ApiError {
  return new ApiError(
    ApiErrorCode.Conflict,
    `namespace "${namespace}" still holds objects of a deleted project, which are being removed; create the project again once they are gone`,
    { kind: 'namespaces', name: namespace },
  );
}

/**
 * The namespace check as part of an insert's own statement: a CTE `owner` that locks the projects
 * owning `namespace` FOR SHARE (what a project being marked for deletion waits on), and the
 * condition under which the insert goes ahead. `param` is the placeholder holding the namespace.
 */
export function owningProjectGuard(param: string): { cte: string; condition: string } {
  return {
    cte: `owner AS (SELECT body #>> '{metadata,deletionTimestamp}' AS deleting FROM objects
                    WHERE kind = 'Project' AND body #>> '{spec,namespace}' = ${param} FOR SHARE)`,
    condition: `EXISTS (SELECT 1 FROM owner) AND NOT EXISTS (SELECT 1 FROM owner WHERE deleting IS NOT NULL)`,
  };
}

/** Why an insert guarded by owningProjectGuard did not go ahead, from how many owners its CTE found. */
export function namespaceRefusal(namespace: string, owners: number): ApiError {
  return owners === 0 ? namespaceNotFound(namespace) : namespaceTerminating(namespace);
}

/** Whether inserting `obj` needs the owning project's check (namespaced, not the garden's own). */
export function needsOwningProject(obj: KubeObject): boolean {
  const namespace = obj.metadata.namespace;
  return obj.kind !== 'Project' && Boolean(namespace) && namespace !== GARDEN_NAMESPACE;
}

async function refuseLeftovers(client: PoolClient, namespace: string): Promise<void> {
  const { rows } = await client.query(
    'SELECT 1 FROM objects WHERE kind = ANY($1::text[]) AND namespace = $2 LIMIT 1',
    [NAMESPACED_KINDS, namespace],
  );
  if (rows.length > 0) throw namespaceNotEmpty(namespace);
}

/**
 * Runs in the transaction that inserts a Project, before the insert (the check of other kinds'
 * namespaces is part of their insert statement: owningProjectGuard).
 */
export async function guardProjectOnCreate(client: PoolClient, obj: KubeObject): Promise<void> {
  if (obj.kind !== 'Project') return;
  const namespace = (obj.spec as { namespace?: unknown } | undefined)?.namespace;
  if (typeof namespace === 'string' && namespace !== GARDEN_NAMESPACE)
    await refuseLeftovers(client, namespace);
}

/** What the project controller needs to know of a stored object (never a Secret's data). */
export interface StoredObjectSummary {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly metadata: Pick<ObjectMeta, 'labels' | 'finalizers' | 'deletionTimestamp'>;
}

const SUMMARY = `kind, namespace, name, uid::text AS uid,
  jsonb_build_object('labels', body #> '{metadata,labels}', 'finalizers', body #> '{metadata,finalizers}',
                     'deletionTimestamp', body #> '{metadata,deletionTimestamp}') AS metadata`;

interface SummaryRow {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  metadata: Record<string, unknown>;
}

function summary(row: SummaryRow): StoredObjectSummary {
  const metadata = Object.fromEntries(Object.entries(row.metadata).filter(([, v]) => v !== null));
  return { kind: row.kind, namespace: row.namespace, name: row.name, uid: row.uid, metadata };
}

/** Reads across kinds by namespace, for the project controller. */
export class NamespaceContents {
  constructor(private readonly pool: Pool) {}

  /** Every object stored in a namespace. */
  async of(namespace: string): Promise<StoredObjectSummary[]> {
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY} FROM objects WHERE kind = ANY($1::text[]) AND namespace = $2 ORDER BY kind, name`,
      [NAMESPACED_KINDS, namespace],
    );
    return rows.map(summary);
  }

  /**
   * Objects in namespaces that no project owns (left by a project that went without its
   * controller), in one snapshot: whatever is listed was an orphan at that instant.
   */
  async orphans(limit = 1000): Promise<StoredObjectSummary[]> {
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT ${SUMMARY} FROM objects o
       WHERE o.kind = ANY($1::text[]) AND o.namespace <> $2
         AND NOT EXISTS (SELECT 1 FROM objects p
                         WHERE p.kind = 'Project' AND p.body #>> '{spec,namespace}' = o.namespace)
       ORDER BY namespace, kind, name LIMIT $3`,
      [NAMESPACED_KINDS, GARDEN_NAMESPACE, limit],
    );
    return rows.map(summary);
  }
}
