import { z } from 'zod';
import { objectMetaSchema } from '../meta.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64-encoded');

export const secretSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: objectMetaSchema,
  type: z.string().default('Opaque'),
  data: z.record(z.string(), base64).optional(),
  /** Write-only convenience: merged into `data` (base64-encoded) on write, never returned. */
  stringData: z.record(z.string(), z.string()).optional(),
  immutable: z.boolean().optional(),
});
export type Secret = z.infer<typeof secretSchema>;

export const configMapSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: objectMetaSchema,
  data: z.record(z.string(), z.string()).optional(),
  binaryData: z.record(z.string(), base64).optional(),
  immutable: z.boolean().optional(),
});
export type ConfigMap = z.infer<typeof configMapSchema>;
