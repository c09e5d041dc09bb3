import { z } from 'zod';

/** metav1.Time as Kubernetes writes it: RFC 3339 in UTC, whole seconds. */
export function timestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const stringMap = z.record(z.string(), z.string());

export const ownerReferenceSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMetaSchema = z.strictObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: z.int().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(ownerReferenceSchema).optional(),
  // Written by server-side apply in Kubernetes; accepted and kept as-is so kubectl round-trips work.
  managedFields: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

export const conditionSchema = z.strictObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown', 'Progressing']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  codes: z.array(z.string()).optional(),
});
export type Condition = z.infer<typeof conditionSchema>;
export type ConditionStatus = Condition['status'];

/** Sets one condition; lastTransitionTime moves only when the status changes. */
export function withCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  now = new Date(),
): Condition[] {
  const stamp = timestamp(now);
  const previous = conditions?.find((c) => c.type === type);
  const lastTransitionTime = previous?.status === status ? (previous.lastTransitionTime ?? stamp) : stamp;
  const others = (conditions ?? []).filter((c) => c.type !== type);
  return [...others, { type, status, reason, message, lastTransitionTime, lastUpdateTime: stamp }];
}

export const lastOperationSchema = z.strictObject({
  type: z.enum(['Create', 'Reconcile', 'Delete', 'Migrate', 'Restore']),
  state: z.enum(['Processing', 'Succeeded', 'Error', 'Failed', 'Pending', 'Aborted']),
  progress: z.int().min(0).max(100),
  description: z.string(),
  lastUpdateTime: z.string(),
});
export type LastOperation = z.infer<typeof lastOperationSchema>;

export const lastErrorSchema = z.strictObject({
  description: z.string(),
  taskID: z.string().optional(),
  codes: z.array(z.string()).optional(),
  lastUpdateTime: z.string().optional(),
});
export type LastError = z.infer<typeof lastErrorSchema>;

/** Free-form provider configuration (Kubernetes RawExtension): not checked by the core schema. */
export const rawExtensionSchema = z.record(z.string(), z.unknown());

export const taintSchema = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

export const tolerationSchema = z.strictObject({ key: z.string(), value: z.string().optional() });

export const labelSelectorSchema = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

/** Fields every stored object has, whatever its kind. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}
