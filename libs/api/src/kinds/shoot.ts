import { z } from 'zod';
import { GO_DURATION } from '../duration.js';
import {
  conditionSchema,
  labelSelectorSchema,
  lastErrorSchema,
  lastOperationSchema,
  objectMetaSchema,
  rawExtensionSchema,
  taintSchema,
  tolerationSchema,
} from '../meta.js';
import { ARCHITECTURES } from './cloudprofile.js';
import { CORE_API_VERSION } from './groups.js';

/** Carried by every object made for a shoot (machines, access secrets): the shoot's name. */
export const SHOOT_LABEL = 'shoot.gardener.cloud/name';

export const SHOOT_PURPOSES = [
  'evaluation',
  'development',
  'testing',
  'production',
  'infrastructure',
] as const;
export type ShootPurpose = (typeof SHOOT_PURPOSES)[number];

const intOrPercent = z.union([
  z.int().min(0),
  z.string().regex(/^\d+%$/, 'must be an integer or a percentage'),
]);
const duration = z.string().regex(GO_DURATION, 'must be a duration such as 20m or 1h30m');

export const workerSchema = z.strictObject({
  name: z.string(),
  machine: z.strictObject({
    type: z.string().min(1),
    image: z.strictObject({ name: z.string().min(1), version: z.string().optional() }).optional(),
    architecture: z.enum(ARCHITECTURES).optional(),
  }),
  minimum: z.int().min(0),
  maximum: z.int().min(0),
  maxSurge: intOrPercent.optional(),
  maxUnavailable: intOrPercent.optional(),
  zones: z.array(z.string()).optional(),
  volume: z
    .strictObject({ type: z.string().optional(), size: z.string(), encrypted: z.boolean().optional() })
    .optional(),
  dataVolumes: z
    .array(
      z.strictObject({
        name: z.string(),
        type: z.string().optional(),
        size: z.string(),
        encrypted: z.boolean().optional(),
      }),
    )
    .optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  taints: z.array(taintSchema).optional(),
  cri: z.strictObject({ name: z.enum(['containerd', 'docker']) }).optional(),
  kubernetes: z.strictObject({ version: z.string().optional() }).optional(),
  machineControllerManager: z
    .strictObject({
      machineCreationTimeout: duration.optional(),
      machineHealthTimeout: duration.optional(),
      machineDrainTimeout: duration.optional(),
      maxEvictRetries: z.int().optional(),
      nodeConditions: z.array(z.string()).optional(),
    })
    .optional(),
  providerConfig: rawExtensionSchema.optional(),
  priority: z.int().optional(),
});
export type Worker = z.infer<typeof workerSchema>;

export const shootSpecSchema = z.strictObject({
  cloudProfileName: z.string().min(1).optional(),
  cloudProfile: z.strictObject({ kind: z.enum(['CloudProfile']), name: z.string().min(1) }).optional(),
  region: z.string().min(1),
  provider: z.strictObject({
    type: z.string().min(1),
    workers: z.array(workerSchema).default([]),
    infrastructureConfig: rawExtensionSchema.optional(),
    controlPlaneConfig: rawExtensionSchema.optional(),
    workersSettings: rawExtensionSchema.optional(),
  }),
  kubernetes: z.strictObject({
    version: z.string().min(1),
    enableStaticTokenKubeconfig: z.boolean().optional(),
    kubeAPIServer: rawExtensionSchema.optional(),
    kubeControllerManager: rawExtensionSchema.optional(),
    kubeScheduler: rawExtensionSchema.optional(),
    kubelet: rawExtensionSchema.optional(),
    kubeProxy: rawExtensionSchema.optional(),
  }),
  networking: z
    .strictObject({
      type: z.string().optional(),
      nodes: z.string().optional(),
      pods: z.string().optional(),
      services: z.string().optional(),
      ipFamilies: z.array(z.enum(['IPv4'])).optional(),
      providerConfig: rawExtensionSchema.optional(),
    })
    .default({}),
  secretBindingName: z.string().optional(),
  credentialsBindingName: z.string().optional(),
  seedName: z.string().optional(),
  seedSelector: labelSelectorSchema.optional(),
  purpose: z.enum(SHOOT_PURPOSES).optional(),
  maintenance: z
    .strictObject({
      timeWindow: z.strictObject({ begin: z.string(), end: z.string() }).optional(),
      autoUpdate: z
        .strictObject({ kubernetesVersion: z.boolean(), machineImageVersion: z.boolean().optional() })
        .optional(),
      confineSpecUpdateRollout: z.boolean().optional(),
    })
    .optional(),
  hibernation: z
    .strictObject({
      enabled: z.boolean().optional(),
      schedules: z
        .array(
          z.strictObject({
            start: z.string().optional(),
            end: z.string().optional(),
            location: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  addons: rawExtensionSchema.optional(),
  tolerations: z.array(tolerationSchema).optional(),
  exposureClassName: z.string().optional(),
  // Gardener's fields this garden stores as given and does not act on (see SHOOT_FIELDS_NOT_ACTED_ON)
  dns: rawExtensionSchema.optional(),
  extensions: z.array(rawExtensionSchema).optional(),
  monitoring: rawExtensionSchema.optional(),
  resources: z.array(rawExtensionSchema).optional(),
  systemComponents: rawExtensionSchema.optional(),
  controlPlane: rawExtensionSchema.optional(),
  schedulerName: z.string().optional(),
  accessRestrictions: z.array(rawExtensionSchema).optional(),
});
export type ShootSpec = z.infer<typeof shootSpecSchema>;

/** Fields of Gardener's v1beta1 Shoot spec that are accepted and stored but do nothing here yet. */
export const SHOOT_FIELDS_NOT_ACTED_ON = [
  'dns',
  'extensions',
  'monitoring',
  'resources',
  'systemComponents',
  'controlPlane',
  'schedulerName',
  'accessRestrictions',
  'exposureClassName',
  'addons',
] as const;

/** A warning per such field a shoot sets, so that nobody takes a stored field for a working one. */
export function shootFieldsNotActedOn(shoot: { [field: string]: unknown }): string[] {
  const spec = shoot.spec as Record<string, unknown> | undefined;
  return SHOOT_FIELDS_NOT_ACTED_ON.filter((field) => spec?.[field] !== undefined).map(
    (field) => `spec.${field} is stored but not acted on by this garden`,
  );
}

export const shootStatusSchema = z.strictObject({
  observedGeneration: z.int().optional(),
  seedName: z.string().optional(),
  technicalID: z.string().optional(),
  uid: z.string().optional(),
  hibernated: z.boolean().optional(),
  lastOperation: lastOperationSchema.optional(),
  lastErrors: z.array(lastErrorSchema).optional(),
  conditions: z.array(conditionSchema).optional(),
  constraints: z.array(conditionSchema).optional(),
  advertisedAddresses: z.array(z.strictObject({ name: z.string(), url: z.string() })).optional(),
  retryCycleStartTime: z.string().optional(),
  clusterIdentity: z.string().optional(),
  gardener: z.strictObject({ id: z.string(), name: z.string(), version: z.string() }).optional(),
  lastMaintenance: rawExtensionSchema.optional(),
  credentials: rawExtensionSchema.optional(),
});
export type ShootStatus = z.infer<typeof shootStatusSchema>;

export const shootSchema = z.strictObject({
  apiVersion: z.literal(CORE_API_VERSION),
  kind: z.literal('Shoot'),
  metadata: objectMetaSchema,
  spec: shootSpecSchema,
  status: shootStatusSchema.optional(),
});
export type Shoot = z.infer<typeof shootSchema>;
