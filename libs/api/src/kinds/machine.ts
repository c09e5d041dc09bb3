import { z } from 'zod';
import {
  conditionSchema,
  labelSelectorSchema,
  objectMetaSchema,
  rawExtensionSchema,
  taintSchema,
} from '../meta.js';
import { MACHINE_API_VERSION } from './groups.js';

/**
 * Gardener's machine-controller-manager kinds (machine.sapcloud.io/v1alpha1). The gardenlet keeps
 * them in the shoot's project namespace, labelled `shoot.gardener.cloud/name`, so project members
 * see their machines; in Gardener they live in the seed.
 */
export const MACHINE_PHASES = [
  'Pending',
  'Available',
  'Running',
  'Unknown',
  'Failed',
  'Terminating',
] as const;
export type MachinePhase = (typeof MACHINE_PHASES)[number];

const intOrPercent = z.union([
  z.int().min(0),
  z.string().regex(/^\d+%$/, 'must be an integer or a percentage'),
]);
const classRef = z.strictObject({ kind: z.literal('MachineClass'), name: z.string().min(1) });
const nodeTemplate = z.strictObject({
  metadata: z
    .strictObject({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: z.strictObject({ taints: z.array(taintSchema).optional() }).optional(),
});
/** MCM's per-machine timeouts, as durations (`20m`) */
const machineConfiguration = z.strictObject({
  creationTimeout: z.string().optional(),
  healthTimeout: z.string().optional(),
  drainTimeout: z.string().optional(),
});
const machineTemplateSpec = z.strictObject({
  class: classRef,
  nodeTemplate: nodeTemplate.optional(),
  providerID: z.string().optional(),
  machineConfiguration: machineConfiguration.optional(),
});
const machineTemplate = z.strictObject({
  metadata: z
    .strictObject({
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: machineTemplateSpec,
});
const lastOperation = z.strictObject({
  description: z.string().optional(),
  lastUpdateTime: z.string().optional(),
  state: z.enum(['Processing', 'Successful', 'Failed']).optional(),
  type: z.enum(['Create', 'Update', 'HealthCheck', 'Delete']).optional(),
  errorCode: z.string().optional(),
});

export const machineClassSchema = z.strictObject({
  apiVersion: z.literal(MACHINE_API_VERSION),
  kind: z.literal('MachineClass'),
  metadata: objectMetaSchema,
  provider: z.string().min(1),
  providerSpec: rawExtensionSchema,
  nodeTemplate: z
    .strictObject({
      instanceType: z.string().optional(),
      region: z.string().optional(),
      zone: z.string().optional(),
      capacity: z.record(z.string(), z.string()).optional(),
      architecture: z.string().optional(),
    })
    .optional(),
});
export type MachineClass = z.infer<typeof machineClassSchema>;

export const machineDeploymentSchema = z.strictObject({
  apiVersion: z.literal(MACHINE_API_VERSION),
  kind: z.literal('MachineDeployment'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    replicas: z.int().min(0),
    selector: labelSelectorSchema,
    template: machineTemplate,
    strategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'Recreate']).optional(),
        rollingUpdate: z
          .strictObject({ maxSurge: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() })
          .optional(),
      })
      .optional(),
    minReadySeconds: z.int().min(0).optional(),
    paused: z.boolean().optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: z.int().optional(),
      replicas: z.int().optional(),
      updatedReplicas: z.int().optional(),
      readyReplicas: z.int().optional(),
      availableReplicas: z.int().optional(),
      unavailableReplicas: z.int().optional(),
      conditions: z.array(conditionSchema).optional(),
      failedMachines: z
        .array(z.strictObject({ name: z.string(), ownerRef: z.string().optional(), lastOperation }))
        .optional(),
    })
    .optional(),
});
export type MachineDeployment = z.infer<typeof machineDeploymentSchema>;

export const machineSetSchema = z.strictObject({
  apiVersion: z.literal(MACHINE_API_VERSION),
  kind: z.literal('MachineSet'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    replicas: z.int().min(0),
    selector: labelSelectorSchema,
    template: machineTemplate,
    minReadySeconds: z.int().min(0).optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: z.int().optional(),
      replicas: z.int().optional(),
      readyReplicas: z.int().optional(),
      availableReplicas: z.int().optional(),
      fullyLabeledReplicas: z.int().optional(),
    })
    .optional(),
});
export type MachineSet = z.infer<typeof machineSetSchema>;

export const machineSchema = z.strictObject({
  apiVersion: z.literal(MACHINE_API_VERSION),
  kind: z.literal('Machine'),
  metadata: objectMetaSchema,
  spec: machineTemplateSpec,
  status: z
    .strictObject({
      node: z.string().optional(),
      addresses: z.array(z.strictObject({ type: z.string(), address: z.string() })).optional(),
      conditions: z.array(conditionSchema).optional(),
      currentStatus: z
        .strictObject({
          phase: z.enum(MACHINE_PHASES).optional(),
          timeoutActive: z.boolean().optional(),
          lastUpdateTime: z.string().optional(),
        })
        .optional(),
      lastOperation: lastOperation.optional(),
    })
    .optional(),
});
export type Machine = z.infer<typeof machineSchema>;
