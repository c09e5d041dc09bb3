import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AdmissionLookups, admit } from './admission.js';
import { decodeStrict } from './decode.js';
import { ApiError } from './errors.js';
import { exampleShoot } from './examples.js';
import { type Bastion, bastionExpiry, sshPublicKeyProblem } from './kinds/bastion.js';
import type { Shoot } from './kinds/shoot.js';
import type { KubeObject } from './meta.js';
import { openApiDocument } from './openapi.js';
import { requireResourceByKind, resourceByPlural } from './resources.js';
import { toTable } from './tables.js';

const BASTION = requireResourceByKind('Bastion');

/** an OpenSSH `ssh-ed25519 AAAA…` line for a fresh key */
function ed25519PublicKey(comment = 'user@host'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const withLength = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const blob = Buffer.concat([withLength(Buffer.from('ssh-ed25519')), withLength(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

const KEY = ed25519PublicKey();

function scheduledShoot(mutate: (s: Shoot) => void = () => {}): Shoot {
  const shoot = exampleShoot('demo', 'garden-dev');
  shoot.metadata.uid = 'shoot-uid';
  shoot.spec.seedName = 'local';
  mutate(shoot);
  return shoot;
}

function lookupsWith(shoot: Shoot | undefined): AdmissionLookups {
  return {
    cloudProfile: async () => undefined,
    seed: async () => undefined,
    shootsOnSeed: async () => [],
    exists: async () => false,
    projectOfNamespace: async () => 'dev',
    shoot: async (namespace, name) =>
      shoot && shoot.metadata.namespace === namespace && shoot.metadata.name === name ? shoot : undefined,
  };
}

function bastion(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'operations.gardener.cloud/v1alpha1',
    kind: 'Bastion',
    metadata: { name: 'cli-abc', namespace: 'garden-dev' },
    spec: {
      shootRef: { name: 'demo' },
      sshPublicKey: KEY,
      ingress: [{ ipBlock: { cidr: '10.249.1.1/32' } }],
      ...spec,
    },
  };
}

/** decodes and admits as the API server does: the admitted object, or the field errors */
async function admitted(
  body: unknown,
  shoot: Shoot | null = scheduledShoot(),
  old?: Bastion,
): Promise<Bastion | { field: string; type: string; message: string }[]> {
  try {
    const obj = decodeStrict(BASTION.schema, structuredClone(body), 'Bastion') as KubeObject;
    return (await admit(BASTION, obj, old as KubeObject | undefined, {
      lookups: lookupsWith(shoot ?? undefined),
    })) as Bastion;
  } catch (error) {
    if (error instanceof ApiError) return error.details.causes ?? [];
    throw error;
  }
}

describe('Bastion (operations.gardener.cloud/v1alpha1)', () => {
  it('is served as bastions in its group, namespaced, with a status subresource and OpenAPI', () => {
    const type = resourceByPlural('operations.gardener.cloud', 'v1alpha1', 'bastions');
    expect(type).toMatchObject({ kind: 'Bastion', namespaced: true, hasStatus: true });
    const document = openApiDocument('apis/operations.gardener.cloud/v1alpha1') as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { description: string }> };
    };
    expect(Object.keys(document.paths)).toContain(
      '/apis/operations.gardener.cloud/v1alpha1/namespaces/{namespace}/bastions/{name}',
    );
    const schema =
      document.components.schemas['com.github.gardener.gardener.pkg.apis.operations.v1alpha1.Bastion'];
    expect(schema?.description).toContain('SSH');
  });

  it('takes seed and provider type from its shoot (whatever the request says) and is owned by it', async () => {
    const result = (await admitted(bastion({ seedName: 'elsewhere', providerType: 'aws' }))) as Bastion;
    expect(result.spec.seedName).toBe('local');
    expect(result.spec.providerType).toBe('local');
    expect(result.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Shoot', name: 'demo', uid: 'shoot-uid' }),
    ]);
  });

  it.each([
    ['no key', { sshPublicKey: '' }],
    ['garbage', { sshPublicKey: 'not a key' }],
    ['unknown key type', { sshPublicKey: `ssh-dss ${KEY.split(' ')[1]}` }],
    ['data of another type', { sshPublicKey: `ssh-rsa ${KEY.split(' ')[1]}` }],
    ['truncated data', { sshPublicKey: `ssh-ed25519 ${KEY.split(' ')[1]?.slice(0, 30)}` }],
    ['two keys', { sshPublicKey: `${KEY}\n${KEY}` }],
  ])('refuses an SSH public key that is not one: %s', async (_, spec) => {
    expect(await admitted(bastion(spec))).toEqual([
      expect.objectContaining({ field: 'spec.sshPublicKey', type: 'FieldValueInvalid' }),
    ]);
  });

  it('accepts keys ssh-keygen writes, with or without a comment', () => {
    expect(sshPublicKeyProblem(KEY)).toBeUndefined();
    expect(sshPublicKeyProblem(KEY.split(' ').slice(0, 2).join(' '))).toBeUndefined();
  });

  it('requires ingress, each a CIDR with its host bits zero', async () => {
    expect(await admitted(bastion({ ingress: [] }))).toEqual([
      expect.objectContaining({ field: 'spec.ingress', message: 'at least one ingress CIDR is required' }),
    ]);
    const { ingress: _, ...noIngress } = bastion().spec as Record<string, unknown>;
    expect(await admitted({ ...bastion(), spec: noIngress })).toEqual([
      expect.objectContaining({ field: 'spec.ingress', type: 'FieldValueRequired' }),
    ]);
    expect(await admitted(bastion({ ingress: [{ ipBlock: { cidr: '10.249.1.1/24' } }] }))).toEqual([
      expect.objectContaining({
        field: 'spec.ingress[0].ipBlock.cidr',
        message: expect.stringContaining('10.249.1.0/24'),
      }),
    ]);
    expect(await admitted(bastion({ ingress: [{ ipBlock: { cidr: 'everyone' } }] }))).toEqual([
      expect.objectContaining({ field: 'spec.ingress[0].ipBlock.cidr' }),
    ]);
  });

  it.each([
    ['missing', null, 'FieldValueInvalid', 'not found in namespace "garden-dev"'],
    [
      'being deleted',
      scheduledShoot((s) => {
        s.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      }),
      'FieldValueForbidden',
      'is being deleted',
    ],
    [
      'hibernated',
      scheduledShoot((s) => {
        s.spec.hibernation = { enabled: true };
      }),
      'FieldValueForbidden',
      'is hibernated',
    ],
    [
      'not scheduled',
      scheduledShoot((s) => {
        delete s.spec.seedName;
      }),
      'FieldValueForbidden',
      'not yet scheduled',
    ],
  ])('needs its shoot usable: refused when the shoot is %s', async (_, shoot, type, message) => {
    expect(await admitted(bastion(), shoot)).toEqual([
      { field: 'spec.shootRef.name', type, message: expect.stringContaining(message) },
    ]);
  });

  it('on update lets the ingress change and keeps the server-set fields; the rest is immutable', async () => {
    const stored = (await admitted(bastion())) as Bastion;
    const changed = bastion({ ingress: [{ ipBlock: { cidr: '192.0.2.0/24' } }] });
    const updated = (await admitted(changed, undefined, stored)) as Bastion;
    expect(updated.spec).toMatchObject({ seedName: 'local', providerType: 'local' });
    expect(updated.spec.ingress).toEqual([{ ipBlock: { cidr: '192.0.2.0/24' } }]);
    const rekeyed = await admitted(bastion({ sshPublicKey: ed25519PublicKey() }), undefined, stored);
    expect(rekeyed).toEqual([
      expect.objectContaining({ field: 'spec.sshPublicKey', type: 'FieldValueForbidden' }),
    ]);
    const moved = await admitted(bastion({ shootRef: { name: 'other' } }), undefined, stored);
    expect(moved).toEqual([
      expect.objectContaining({ field: 'spec.shootRef.name', type: 'FieldValueForbidden' }),
    ]);
  });

  it('expires one time-to-live after the last heartbeat, never later than its maximum lifetime', () => {
    const at = (iso: string) => new Date(iso).getTime();
    const b = { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, status: {} } as Bastion;
    expect(bastionExpiry(b).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    b.status = { lastHeartbeatTimestamp: '2026-01-01T05:30:00Z' };
    expect(bastionExpiry(b).getTime()).toBe(at('2026-01-01T06:30:00Z'));
    b.status = { lastHeartbeatTimestamp: '2026-01-01T23:30:00Z' };
    expect(bastionExpiry(b).getTime()).toBe(at('2026-01-02T00:00:00Z'));
  });

  it('lists with shoot, seed, readiness and address for kubectl get', () => {
    const table = toTable(
      'Bastion',
      [
        {
          ...(bastion() as unknown as KubeObject),
          spec: { shootRef: { name: 'demo' }, seedName: 'local' },
          status: {
            ingress: { ip: '10.249.1.3' },
            conditions: [{ type: 'BastionReady', status: 'True' }],
          },
        },
      ],
      { now: new Date() },
    );
    expect(table.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Shoot',
      'Seed',
      'Ready',
      'IP',
    ]);
    expect(table.rows[0]?.cells.slice(0, 5)).toEqual(['cli-abc', 'demo', 'local', 'True', '10.249.1.3']);
  });
});
