import { z } from 'zod';
import { conditionSchema, lastOperationSchema, objectMetaSchema } from '../meta.js';
import { CORE_API_VERSION } from './groups.js';

/** The gardenlet's own condition on its Seed; its lastUpdateTime is the gardenlet's heartbeat. */
export const GARDENLET_READY_CONDITION = 'GardenletReady';

/** The gardenlet's measure of its host: False while memory (or, if asked, CPU) is too short for another control plane. */
export const SEED_RESOURCES_CONDITION = 'SeedResourcesAvailable';

const secretReference = z.strictObject({ name: z.string().min(1), namespace: z.string().min(1) });

export const seedSpecSchema = z.strictObject({
  provider: z.strictObject({
    type: z.string().min(1),
    region: z.string().min(1),
    zones: z.array(z.string()).optional(),
    providerConfig: z.record(z.string(), z.unknown()).optional(),
  }),
  /** gardener-ts: how the seed hosts shoot control planes. */
  backend: z
    .strictObject({
      type: z.enum(['local', 'kubernetes']),
      kubeconfigSecretRef: secretReference.optional(),
    })
    .default({ type: 'local' }),
  /** gardener-ts: how many shoots the seed may host. */
  capacity: z.strictObject({ shoots: z.int().min(0) }).optional(),
  networks: z.strictObject({
    nodes: z.string().optional(),
    pods: z.string(),
    services: z.string(),
    shootDefaults: z
      .strictObject({
        nodes: z.string().optional(),
        pods: z.string().optional(),
        services: z.string().optional(),
      })
      .optional(),
    blockCIDRs: z.array(z.string()).optional(),
  }),
  settings: z
    .strictObject({
      scheduling: z.strictObject({ visible: z.boolean() }).optional(),
    })
    .optional(),
  taints: z.array(z.strictObject({ key: z.string().min(1), value: z.string().optional() })).optional(),
});

export const seedSchema = z.strictObject({
  apiVersion: z.literal(CORE_API_VERSION),
  kind: z.literal('Seed'),
  metadata: objectMetaSchema,
  spec: seedSpecSchema,
  status: z
    .strictObject({
      observedGeneration: z.int().optional(),
      conditions: z.array(conditionSchema).optional(),
      lastOperation: lastOperationSchema.optional(),
      allocatable: z.strictObject({ shoots: z.int().optional() }).optional(),
      capacity: z.strictObject({ shoots: z.int().optional() }).optional(),
      clusterIdentity: z.string().optional(),
      kubernetesVersion: z.string().optional(),
    })
    .optional(),
});
export type Seed = z.infer<typeof seedSchema>;
