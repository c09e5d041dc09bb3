import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';
import { CORE_API_VERSION, SECURITY_API_VERSION } from './groups.js';

const quotas = z.array(z.strictObject({ name: z.string(), namespace: z.string().optional() })).optional();
const provider = z.strictObject({ type: z.string().min(1) });

export const secretBindingSchema = z.strictObject({
  apiVersion: z.literal(CORE_API_VERSION),
  kind: z.literal('SecretBinding'),
  metadata: objectMetaSchema,
  secretRef: z.strictObject({ name: z.string().min(1), namespace: z.string().optional() }),
  provider: provider.optional(),
  quotas,
});
export type SecretBinding = z.infer<typeof secretBindingSchema>;

export const credentialsBindingSchema = z.strictObject({
  apiVersion: z.literal(SECURITY_API_VERSION),
  kind: z.literal('CredentialsBinding'),
  metadata: objectMetaSchema,
  credentialsRef: z.strictObject({
    apiVersion: z.enum(['v1', 'security.gardener.cloud/v1alpha1']),
    kind: z.enum(['Secret', 'WorkloadIdentity']),
    name: z.string().min(1),
    namespace: z.string().min(1),
  }),
  provider,
  quotas,
});
export type CredentialsBinding = z.infer<typeof credentialsBindingSchema>;
