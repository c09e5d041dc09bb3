import {
  ApiError,
  ApiErrorCode,
  GARDEN_NAMESPACE,
  type KubeObject,
  QUOTA_KEY_BY_KIND,
  type QuotaLimits,
  quotaLimitsOf,
  requireResourceByKind,
} from '@gardener-ts/api';
import type { PoolClient } from 'pg';

/**
 * Per-project object-count quotas, checked in the transaction that inserts the object: the check
 * locks the namespace's row of the kind in object_counts (which the insert's trigger then counts
 * up), so concurrent creates count one after the other and the last places are taken once.
 * Objects being deleted still count (as in Kubernetes, until they are gone). The garden's own
 * namespace has no project and no quota.
 */

/** The name a quota error names when the project has no ProjectQuota of its own. */
export const DEFAULT_QUOTA_NAME = 'default';

interface ProjectLimits {
  readonly quotaName: string;
  readonly limit: number | undefined;
  /** objects of the kind in the namespace now */
  readonly used: number;
}

/**
 * The project's limit for `key` and how many objects of the kind its namespace holds (kept in
 * object_counts by the writes), in one round trip that also takes the count's row lock (a no-op
 * upsert, which waits for a concurrent create and then reads its count) until the transaction ends.
 */
async function limitFor(
  client: PoolClient,
  namespace: string,
  kind: string,
  key: string,
  defaults: QuotaLimits,
): Promise<ProjectLimits | undefined> {
  const { rows } = await client.query<{ project: string; quota: object | null; used: string }>(
    `WITH counted AS (
       INSERT INTO object_counts (kind, namespace, count) VALUES ($2, $1, 0)
       ON CONFLICT (kind, namespace) DO UPDATE SET count = object_counts.count RETURNING count)
     SELECT p.name AS project, q.body AS quota, (SELECT count FROM counted)::text AS used
     FROM objects p
     LEFT JOIN objects q ON q.kind = 'ProjectQuota' AND q.namespace = '' AND q.name = p.name
     WHERE p.kind = 'Project' AND p.body #>> '{spec,namespace}' = $1 LIMIT 1`,
    [namespace, kind],
  );
  const row = rows[0];
  if (!row) return undefined;
  const used = Number(row.used);
  const own = row.quota ? quotaLimitsOf(row.quota)[key] : undefined;
  if (own !== undefined) return { quotaName: row.project, limit: own, used };
  return { quotaName: DEFAULT_QUOTA_NAME, limit: defaults[key], used };
}

/** Kubernetes' ResourceQuota wording, 403 Forbidden. */
export function quotaExceeded(
  obj: KubeObject,
  quotaName: string,
  key: string,
  used: number,
  limit: number,
): ApiError {
  const type = requireResourceByKind(obj.kind);
  const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
  const name = obj.metadata.name ?? '';
  return new ApiError(
    ApiErrorCode.Forbidden,
    `${resource} "${name}" is forbidden: exceeded quota: ${quotaName}, requested: ${key}=1, used: ${key}=${used}, limited: ${key}=${limit}`,
    { kind: type.plural, name, ...(type.group ? { group: type.group } : {}) },
  );
}

/** Whether creating `obj` is counted against its project's quota (a counted kind, in a project's namespace). */
export function countsAgainstQuota(obj: KubeObject): boolean {
  const namespace = obj.metadata.namespace;
  return Boolean(QUOTA_KEY_BY_KIND[obj.kind]) && Boolean(namespace) && namespace !== GARDEN_NAMESPACE;
}

/** Runs in the transaction that inserts `obj`, before the insert. */
export async function guardQuotaOnCreate(
  client: PoolClient,
  obj: KubeObject,
  defaults: QuotaLimits,
): Promise<void> {
  const key = QUOTA_KEY_BY_KIND[obj.kind];
  const namespace = obj.metadata.namespace;
  if (!key || !namespace || !countsAgainstQuota(obj)) return;
  const limits = await limitFor(client, namespace, obj.kind, key, defaults);
  if (limits?.limit === undefined) return;
  const { used, limit, quotaName } = limits;
  if (used + 1 > limit) throw quotaExceeded(obj, quotaName, key, used, limit);
}
