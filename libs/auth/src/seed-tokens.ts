import { timestamp } from '@gardener-ts/api';
import { AUTH_API_VERSION, invalidTokenRequest, rejectUnknownKeys, requireObject } from './token-objects.js';
import type { TokenRecord } from './tokens.js';

export const SEED_BOOTSTRAP_TOKENS = 'seedbootstraptokens';
export const SEED_CREDENTIALS = 'seedcredentials';

const SEED_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DEFAULT_BOOTSTRAP_SECONDS = 3600;
const MAX_BOOTSTRAP_SECONDS = 86_400;

/** `{spec: {seedName, expirationSeconds?}}`: 1 h by default, at most a day, as bootstrap tokens are meant to be short. */
export function parseSeedBootstrapRequest(
  body: unknown,
  now = new Date(),
): { seedName: string; expiresAt: Date } {
  const root = requireObject(body, 'the request body');
  rejectUnknownKeys(root, ['apiVersion', 'kind', 'metadata', 'spec'], '');
  if (root.kind !== undefined && root.kind !== 'SeedBootstrapToken')
    invalidTokenRequest('kind must be SeedBootstrapToken');
  if (root.apiVersion !== undefined && root.apiVersion !== AUTH_API_VERSION)
    invalidTokenRequest(`apiVersion must be ${AUTH_API_VERSION}`);
  const spec = requireObject(root.spec, 'spec');
  rejectUnknownKeys(spec, ['seedName', 'expirationSeconds'], 'spec.');
  const { seedName, expirationSeconds } = spec;
  if (typeof seedName !== 'string' || !SEED_NAME.test(seedName) || seedName.length > 63)
    invalidTokenRequest('spec.seedName must be the name of a seed (a DNS-1123 label)');
  const seconds = expirationSeconds ?? DEFAULT_BOOTSTRAP_SECONDS;
  if (!Number.isInteger(seconds) || (seconds as number) < 60 || (seconds as number) > MAX_BOOTSTRAP_SECONDS)
    invalidTokenRequest(`spec.expirationSeconds must be an integer from 60 to ${MAX_BOOTSTRAP_SECONDS}`);
  return { seedName, expiresAt: new Date(now.getTime() + (seconds as number) * 1000) };
}

/** The answer to a bootstrap token request or a credential exchange: the secret is shown once. */
export function seedTokenObject(
  kind: 'SeedBootstrapToken' | 'SeedCredential',
  record: TokenRecord,
  token: string,
) {
  return {
    apiVersion: AUTH_API_VERSION,
    kind,
    metadata: { name: record.name, uid: record.uid, creationTimestamp: timestamp(record.createdAt) },
    spec: { seedName: record.subject },
    status: {
      token,
      ...(record.expiresAt ? { expirationTimestamp: timestamp(record.expiresAt) } : {}),
    },
  };
}
