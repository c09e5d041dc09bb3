import { StoreError, StoreErrorCode } from './errors.js';

/** The unique index (migration 3) that lets one project only claim a namespace. */
const PROJECT_NAMESPACE_INDEX = 'objects_project_namespace_unique';

interface PgError {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
}

/**
 * A write that lost a race for a namespace to another project, as a Conflict that names the
 * namespace; any other error as it was. PostgreSQL's detail reads `Key (...)=(garden-x) already exists.`
 */
export function namespaceClaimConflict(error: unknown): unknown {
  const pg = error as PgError | undefined;
  if (pg?.code !== '23505' || pg.constraint !== PROJECT_NAMESPACE_INDEX) return error;
  const namespace =
    typeof pg.detail === 'string' ? /\)=\((.*)\) already exists/.exec(pg.detail)?.[1] : undefined;
  return new StoreError(
    StoreErrorCode.Conflict,
    `namespace "${namespace ?? '?'}" is already claimed by another project`,
  );
}
