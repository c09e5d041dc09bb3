import { timestamp } from '@gardener-ts/api';
import { ADMIN_USER } from './admin-token.js';
import { AUTH_GROUP, AUTH_VERSION } from './authorize.js';
import { AuthError, AuthErrorCode } from './errors.js';
import type { IssueRequest, TokenRecord } from './tokens.js';

export const AUTH_API_VERSION = `${AUTH_GROUP}/${AUTH_VERSION}`;

/** Names the system gives its own identities (service accounts, seeds, bootstrap tokens). */
const RESERVED_USER = /^(gardener\.cloud:)?system:/;

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface TokenObject {
  apiVersion: string;
  kind: 'UserToken' | 'ServiceAccountToken';
  metadata: { name: string; namespace?: string; uid: string; creationTimestamp: string };
  spec: { user?: string; gardenAdmin?: boolean; serviceAccountName?: string };
  status: { expirationTimestamp?: string; token?: string };
}

export function invalidTokenRequest(message: string): never {
  throw new AuthError(AuthErrorCode.InvalidTokenRequest, message);
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalidTokenRequest(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function rejectUnknownKeys(value: Record<string, unknown>, allowed: string[], path: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length) invalidTokenRequest(`unknown field "${path}${unknown[0]}"`);
}

/** Reads a UserToken or ServiceAccountToken create request strictly. */
export function parseTokenRequest(
  body: unknown,
  kind: TokenObject['kind'],
  namespace: string | undefined,
  now = new Date(),
): IssueRequest {
  const root = requireObject(body, 'the request body');
  rejectUnknownKeys(root, ['apiVersion', 'kind', 'metadata', 'spec'], '');
  if (root.kind !== undefined && root.kind !== kind) invalidTokenRequest(`kind must be ${kind}`);
  if (root.apiVersion !== undefined && root.apiVersion !== AUTH_API_VERSION)
    invalidTokenRequest(`apiVersion must be ${AUTH_API_VERSION}`);
  const metadata = requireObject(root.metadata ?? {}, 'metadata');
  rejectUnknownKeys(metadata, ['name', 'namespace'], 'metadata.');
  const name = metadata.name;
  if (name !== undefined && (typeof name !== 'string' || !NAME.test(name) || name.length > 63))
    invalidTokenRequest('metadata.name must be a DNS-1123 label');
  const spec = requireObject(root.spec, 'spec');
  const expiration = spec.expirationSeconds;
  if (expiration !== undefined && (!Number.isInteger(expiration) || (expiration as number) < 600))
    invalidTokenRequest('spec.expirationSeconds must be an integer of at least 600');
  const expiresAt =
    expiration === undefined ? undefined : new Date(now.getTime() + (expiration as number) * 1000);
  if (kind === 'UserToken') {
    rejectUnknownKeys(spec, ['user', 'gardenAdmin', 'expirationSeconds'], 'spec.');
    if (typeof spec.user !== 'string' || spec.user === '' || RESERVED_USER.test(spec.user))
      invalidTokenRequest('spec.user must be a user name (not system:... or gardener.cloud:system:...)');
    if (spec.user === ADMIN_USER)
      invalidTokenRequest(
        `spec.user "${ADMIN_USER}" is the admin token file's; rotate that with POST .../admintoken/rotate`,
      );
    if (spec.gardenAdmin !== undefined && typeof spec.gardenAdmin !== 'boolean')
      invalidTokenRequest('spec.gardenAdmin must be a boolean');
    return {
      kind: 'user',
      name: name as string | undefined,
      subject: spec.user,
      gardenAdmin: spec.gardenAdmin === true,
      expiresAt,
    };
  }
  rejectUnknownKeys(spec, ['serviceAccountName', 'expirationSeconds'], 'spec.');
  const account = spec.serviceAccountName;
  if (typeof account !== 'string' || !NAME.test(account))
    invalidTokenRequest('spec.serviceAccountName must be a DNS-1123 label');
  return { kind: 'serviceaccount', name: name as string | undefined, namespace, subject: account, expiresAt };
}

/** The API view of a stored token; the secret appears only in the create response. */
export function tokenObject(record: TokenRecord, token?: string): TokenObject {
  const kind = record.kind === 'user' ? 'UserToken' : 'ServiceAccountToken';
  const status: TokenObject['status'] = {};
  if (record.expiresAt) status.expirationTimestamp = timestamp(record.expiresAt);
  if (token) status.token = token;
  return {
    apiVersion: AUTH_API_VERSION,
    kind,
    metadata: {
      name: record.name,
      ...(record.namespace ? { namespace: record.namespace } : {}),
      uid: record.uid,
      creationTimestamp: timestamp(record.createdAt),
    },
    spec:
      record.kind === 'user'
        ? { user: record.subject, gardenAdmin: record.gardenAdmin }
        : { serviceAccountName: record.subject },
    status,
  };
}
