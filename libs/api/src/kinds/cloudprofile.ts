import { z } from 'zod';
import { objectMetaSchema, rawExtensionSchema } from '../meta.js';
import { CORE_API_VERSION } from './groups.js';

export const VERSION_CLASSIFICATIONS = ['preview', 'supported', 'deprecated'] as const;
export const ARCHITECTURES = ['amd64', 'arm64'] as const;

const expirableVersion = {
  version: z.string(),
  classification: z.enum(VERSION_CLASSIFICATIONS).optional(),
  expirationDate: z.string().optional(),
};

export const machineImageVersionSchema = z.strictObject({
  ...expirableVersion,
  cri: z
    .array(
      z.strictObject({
        name: z.enum(['containerd', 'docker']),
        containerRuntimes: z.array(z.strictObject({ type: z.string() })).optional(),
      }),
    )
    .optional(),
  architectures: z.array(z.enum(ARCHITECTURES)).optional(),
  kubeletVersionConstraint: z.string().optional(),
});

export const machineTypeSchema = z.strictObject({
  name: z.string().min(1),
  cpu: z.string(),
  gpu: z.string(),
  memory: z.string(),
  storage: z
    .strictObject({ class: z.string().optional(), size: z.string().optional(), type: z.string().optional() })
    .optional(),
  usable: z.boolean().optional(),
  architecture: z.enum(ARCHITECTURES).optional(),
});

export const cloudProfileSpecSchema = z.strictObject({
  type: z.string().min(1),
  kubernetes: z.strictObject({ versions: z.array(z.strictObject(expirableVersion)) }),
  machineImages: z.array(
    z.strictObject({
      name: z.string().min(1),
      updateStrategy: z.enum(['patch', 'minor', 'major']).optional(),
      versions: z.array(machineImageVersionSchema),
    }),
  ),
  machineTypes: z.array(machineTypeSchema),
  regions: z.array(
    z.strictObject({
      name: z.string().min(1),
      zones: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            unavailableMachineTypes: z.array(z.string()).optional(),
          }),
        )
        .optional(),
      labels: z.record(z.string(), z.string()).optional(),
    }),
  ),
  volumeTypes: z
    .array(z.strictObject({ name: z.string(), class: z.string(), usable: z.boolean().optional() }))
    .optional(),
  seedSelector: z.record(z.string(), z.unknown()).optional(),
  providerConfig: rawExtensionSchema.optional(),
});

export const cloudProfileSchema = z.strictObject({
  apiVersion: z.literal(CORE_API_VERSION),
  kind: z.literal('CloudProfile'),
  metadata: objectMetaSchema,
  spec: cloudProfileSpecSchema,
});
export type CloudProfile = z.infer<typeof cloudProfileSchema>;
export type CloudProfileSpec = z.infer<typeof cloudProfileSpecSchema>;
