import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';
import { QUOTA_API_VERSION } from './groups.js';

/**
 * How many shoots and bastions a project may hold, in Kubernetes' object-count quota keys. A
 * ProjectQuota is cluster-scoped, named after its project and written by garden admins only; the
 * keys it names override the garden-wide default (GARDENER_PROJECT_QUOTA_*), the others keep it.
 * Gardener itself leaves this to a ResourceQuota in the project namespace, which its
 * controller-manager can create for every project from a template.
 */
export const SHOOT_COUNT_KEY = 'count/shoots.core.gardener.cloud';
export const BASTION_COUNT_KEY = 'count/bastions.operations.gardener.cloud';

/** The kinds a project quota counts, with their keys. */
export const QUOTA_KEY_BY_KIND: Readonly<Record<string, string>> = {
  Shoot: SHOOT_COUNT_KEY,
  Bastion: BASTION_COUNT_KEY,
};

/** Limits by quota key; a key that is absent is not limited. */
export type QuotaLimits = Readonly<Record<string, number>>;

/** Counts are whole numbers; the bound keeps them clear of floating-point trouble. */
const MAX_COUNT = 1_000_000_000;

/** A count as Kubernetes writes a quantity: `"5"`, or `5` from YAML. */
const countSchema = z.union([
  z.string().regex(/^(0|[1-9][0-9]{0,9})$/, 'must be a whole number of objects, such as "20"'),
  z.int().min(0, 'must not be negative'),
]);

export const projectQuotaSchema = z.strictObject({
  apiVersion: z.literal(QUOTA_API_VERSION),
  kind: z.literal('ProjectQuota'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    hard: z
      .strictObject({
        [SHOOT_COUNT_KEY]: countSchema.optional(),
        [BASTION_COUNT_KEY]: countSchema.optional(),
      })
      .refine((hard) => Object.values(hard).every((v) => v === undefined || Number(v) <= MAX_COUNT), {
        message: `a count must not exceed ${MAX_COUNT}`,
      }),
  }),
});
export type ProjectQuota = z.infer<typeof projectQuotaSchema>;

/** The limits a stored ProjectQuota sets; nothing when its spec does not read as one. */
export function quotaLimitsOf(quota: object | undefined): QuotaLimits {
  const spec = projectQuotaSchema.shape.spec.safeParse((quota as { spec?: unknown } | undefined)?.spec);
  const limits: Record<string, number> = {};
  if (!spec.success) return limits;
  for (const [key, value] of Object.entries(spec.data.hard)) {
    if (value !== undefined) limits[key] = Number(value);
  }
  return limits;
}
