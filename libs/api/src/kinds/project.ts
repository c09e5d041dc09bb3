import { z } from 'zod';
import { objectMetaSchema, tolerationSchema } from '../meta.js';
import { CORE_API_VERSION } from './groups.js';

export const PROJECT_ROLES = ['owner', 'admin', 'viewer', 'uam', 'serviceaccountmanager'] as const;

/** Gardener's finalizer on projects: the project controller removes it once the namespace is empty. */
export const PROJECT_FINALIZER = 'gardener';
export const PROJECT_PHASES = ['Pending', 'Ready', 'Failed', 'Terminating'] as const;
export type ProjectPhase = (typeof PROJECT_PHASES)[number];

const projectRole = z.union([z.enum(PROJECT_ROLES), z.string().regex(/^extension:[a-z0-9-]+$/)]);

const subjectFields = {
  apiGroup: z.string().optional(),
  kind: z.enum(['User', 'Group', 'ServiceAccount']),
  name: z.string().min(1),
  namespace: z.string().optional(),
};

export const projectSchema = z.strictObject({
  apiVersion: z.literal(CORE_API_VERSION),
  kind: z.literal('Project'),
  metadata: objectMetaSchema,
  spec: z
    .strictObject({
      namespace: z.string().optional(),
      description: z.string().optional(),
      purpose: z.string().optional(),
      owner: z.strictObject(subjectFields).optional(),
      createdBy: z.strictObject(subjectFields).optional(),
      members: z
        .array(
          z.strictObject({ ...subjectFields, role: projectRole, roles: z.array(projectRole).optional() }),
        )
        .optional(),
      tolerations: z
        .strictObject({
          defaults: z.array(tolerationSchema).optional(),
          whitelist: z.array(tolerationSchema).optional(),
        })
        .optional(),
    })
    .default({}),
  status: z
    .strictObject({
      observedGeneration: z.int().optional(),
      phase: z.enum(PROJECT_PHASES).optional(),
      lastActivityTimestamp: z.string().optional(),
    })
    .optional(),
});
export type Project = z.infer<typeof projectSchema>;
