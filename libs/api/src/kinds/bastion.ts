import { z } from 'zod';
import { cidrProblem } from '../cidr.js';
import { conditionSchema, objectMetaSchema } from '../meta.js';
import { OPERATIONS_API_VERSION } from './groups.js';

/**
 * Gardener's Bastion (operations.gardener.cloud/v1alpha1): a short-lived SSH jump host into the
 * node network of one shoot. A provider's Bastion actuator makes it real; the gardenlet keeps its
 * status, its lifetime (keepalive, expiry) and removes it with its shoot.
 */
export const BASTION_READY_CONDITION = 'BastionReady';
/** `gardener.cloud/operation=keepalive` moves the expiry to one time-to-live from now. */
export const BASTION_KEEPALIVE_OPERATION = 'keepalive';
/**
 * Where a node's SSH host keys are published for clients (gardenctl ssh) to check: an annotation
 * on its Machine (or Node), one `<type> <base64> [comment]` line per key.
 */
export const SSH_HOST_KEYS_ANNOTATION = 'node.gardener-ts.io/ssh-host-keys';
/** Gardener's defaults: a bastion lives an hour past its last heartbeat, a day at most. */
export const BASTION_TIME_TO_LIVE_MS = 60 * 60 * 1000;
export const BASTION_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;

const SSH_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/**
 * Why a text is not one SSH public key in authorized_keys form (`<type> <base64> [comment]`), or
 * undefined when it is: the base64 blob must decode and name the same key type it is given as.
 */
export function sshPublicKeyProblem(text: string): string | undefined {
  const fields = text.trim().split(/\s+/);
  const [type, blob] = fields;
  if (text.trim().includes('\n')) return 'must be a single SSH public key (one line)';
  if (!type || !blob) return 'must be an SSH public key such as "ssh-ed25519 AAAA… comment"';
  if (!SSH_KEY_TYPES.has(type)) return `key type "${type}" is not supported (use ssh-ed25519, ecdsa or rsa)`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'the key data is not base64';
  const data = Buffer.from(blob, 'base64');
  const nameLength = data.length >= 4 ? data.readUInt32BE(0) : -1;
  const embedded = nameLength > 0 ? data.subarray(4, 4 + nameLength).toString('latin1') : '';
  if (embedded !== type) return `the key data is not a ${type} key`;
  if (data.length < 4 + nameLength + 4 + 16) return 'the key data is truncated';
  return undefined;
}

const sshPublicKey = z.string().superRefine((text, ctx) => {
  const problem = sshPublicKeyProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ingressCidr = z.string().superRefine((text, ctx) => {
  const problem = cidrProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const bastionSchema = z.strictObject({
  apiVersion: z.literal(OPERATIONS_API_VERSION),
  kind: z.literal('Bastion'),
  metadata: objectMetaSchema,
  spec: z.strictObject({
    /** the shoot in the same namespace whose nodes the bastion reaches */
    shootRef: z.strictObject({ name: z.string().min(1) }),
    /** set from the shoot at creation */
    seedName: z.string().optional(),
    /** set from the shoot at creation */
    providerType: z.string().optional(),
    /** the only key the bastion accepts */
    sshPublicKey,
    /** the only sources the bastion accepts connections from */
    ingress: z
      .array(z.strictObject({ ipBlock: z.strictObject({ cidr: ingressCidr }) }))
      .min(1, 'at least one ingress CIDR is required'),
  }),
  status: z
    .strictObject({
      /** where to connect */
      ingress: z.strictObject({ ip: z.string().optional(), hostname: z.string().optional() }).optional(),
      /** the bastion's SSH host keys (known_hosts form without the host), for clients to check */
      sshHostKeys: z.array(z.string()).optional(),
      conditions: z.array(conditionSchema).optional(),
      lastHeartbeatTimestamp: z.string().optional(),
      expirationTimestamp: z.string().optional(),
      observedGeneration: z.int().optional(),
    })
    .optional(),
});
export type Bastion = z.infer<typeof bastionSchema>;

/** When a bastion expires: one time-to-live past its last heartbeat, never past its maximum lifetime. */
export function bastionExpiry(
  bastion: Bastion,
  timeToLiveMs = BASTION_TIME_TO_LIVE_MS,
  maxLifetimeMs = BASTION_MAX_LIFETIME_MS,
): Date {
  const created = Date.parse(bastion.metadata.creationTimestamp ?? '') || Date.now();
  const heartbeat = Date.parse(bastion.status?.lastHeartbeatTimestamp ?? '') || created;
  return new Date(Math.min(heartbeat + timeToLiveMs, created + maxLifetimeMs));
}
