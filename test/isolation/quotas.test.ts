import { generateKeyPairSync } from 'node:crypto';
import { exampleShoot, type Shoot } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  CORE,
  OPERATIONS,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';

/**
 * Outcome 8 of issue 15 (quotas, operation annotations, concurrent creates), played by
 * unprivileged users: a project cannot create more shoots or bastions than its quota allows (nor
 * raise the quota), unknown operations are refused, and many creates at once all finish.
 */
let g: TenantGarden;

const QUOTAS = '/apis/quota.gardener-ts.io/v1alpha1/projectquotas';
const SHOOTS = (ns: string) => `${CORE}/namespaces/${ns}/shoots`;
const BASTIONS = (ns: string) => `${OPERATIONS}/namespaces/${ns}/bastions`;
const SHOOT_KEY = 'count/shoots.core.gardener.cloud';
const BASTION_KEY = 'count/bastions.operations.gardener.cloud';
/** The garden-wide default this garden runs with (GARDENER_PROJECT_QUOTA_*). */
const DEFAULT_SHOOTS = 3;
const DEFAULT_BASTIONS = 1;

function shoot(name: string, namespace: string): Shoot {
  const s = exampleShoot(name, namespace);
  delete s.spec.networking.nodes;
  return s;
}

function sshKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const withLength = (data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return `ssh-ed25519 ${Buffer.concat([withLength(Buffer.from('ssh-ed25519')), withLength(raw)]).toString('base64')} me`;
}

function bastion(name: string, shootName: string): Record<string, unknown> {
  return {
    apiVersion: 'operations.gardener.cloud/v1alpha1',
    kind: 'Bastion',
    metadata: { name },
    spec: {
      shootRef: { name: shootName },
      sshPublicKey: sshKey(),
      ingress: [{ ipBlock: { cidr: '10.249.1.1/32' } }],
    },
  };
}

function projectQuota(project: string, hard: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'quota.gardener-ts.io/v1alpha1',
    kind: 'ProjectQuota',
    metadata: { name: project },
    spec: { hard },
  };
}

function exceeded(answer: Answer, key: string): void {
  expect(answer.status, answer.text).toBe(403);
  expect(answer.body.kind).toBe('Status');
  expect(answer.body.reason).toBe('Forbidden');
  expect(answer.body.message).toMatch(
    new RegExp(`exceeded quota: .*requested: ${key}=1, used: ${key}=\\d+, limited: ${key}=\\d+`),
  );
}

async function names(path: string): Promise<string[]> {
  const list = await g.call('admin', 'GET', path);
  return (list.body.items ?? []).map((i) => i.metadata.name).sort();
}

beforeAll(async () => {
  g = await startTenantGarden('quotas', {
    GARDENER_PROJECT_QUOTA_SHOOTS: String(DEFAULT_SHOOTS),
    GARDENER_PROJECT_QUOTA_BASTIONS: String(DEFAULT_BASTIONS),
    // few connections, so that a lock held on one pooled connection while the holder waits for
    // another (the old advisory lock) would hang the pool at once
    DB_POOL_SIZE: '4',
  });
});

afterAll(async () => {
  await g?.stop();
});

describe('shoot and bastion quotas', () => {
  it('stops a project at the garden-wide default: 403 exceeded quota, nothing created', async () => {
    for (let i = 0; i < DEFAULT_SHOOTS; i++) {
      const created = await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot(`s${i}`, 'garden-dev'));
      expect(created.status, created.text).toBe(201);
    }
    for (const user of ['dev-admin', 'dev-owner']) {
      exceeded(await g.call(user, 'POST', SHOOTS('garden-dev'), shoot('extra', 'garden-dev')), SHOOT_KEY);
    }
    const generated = shoot('x', 'garden-dev');
    generated.metadata = { generateName: 'gen-', namespace: 'garden-dev' };
    exceeded(await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), generated), SHOOT_KEY);
    expect(await names(SHOOTS('garden-dev'))).toEqual(['s0', 's1', 's2']);
  });

  it('lets concurrent creates take the last places only once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        g.call('other-admin', 'POST', SHOOTS('garden-other'), shoot(`c${i}`, 'garden-other')),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(DEFAULT_SHOOTS);
    for (const answer of answers.filter((a) => a.status !== 201)) exceeded(answer, SHOOT_KEY);
    expect(await names(SHOOTS('garden-other'))).toHaveLength(DEFAULT_SHOOTS);
  });

  it('limits bastions per project', async () => {
    const first = await g.call('dev-admin', 'POST', BASTIONS('garden-dev'), bastion('b0', 's0'));
    expect(first.status, first.text).toBe(201);
    exceeded(await g.call('dev-admin', 'POST', BASTIONS('garden-dev'), bastion('b1', 's1')), BASTION_KEY);
    exceeded(await g.call('dev-owner', 'POST', BASTIONS('garden-dev'), bastion('b2', 's0')), BASTION_KEY);
    expect(await names(BASTIONS('garden-dev'))).toEqual(['b0']);
  });

  it('does not let project members raise their own quota, by any path', async () => {
    for (const user of ['dev-owner', 'dev-admin', 'dev-uam', 'stranger']) {
      const created = await g.call(user, 'POST', QUOTAS, projectQuota('dev', { [SHOOT_KEY]: '100' }));
      expect(created.status, created.text).toBe(403);
    }
    const applied = await g.call(
      'dev-owner',
      'PATCH',
      `${QUOTAS}/dev?fieldManager=me`,
      projectQuota('dev', { [SHOOT_KEY]: '100' }),
      'application/apply-patch+yaml',
    );
    expect(applied.status, applied.text).toBe(403);
    const annotated = await g.call(
      'dev-owner',
      'PATCH',
      `${CORE}/projects/dev`,
      { metadata: { annotations: { 'quota.gardener-ts.io/shoots': '100' } } },
      'application/merge-patch+json',
    );
    expect([200, 403, 422]).toContain(annotated.status);
    exceeded(
      await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot('extra', 'garden-dev')),
      SHOOT_KEY,
    );
  });

  it('follows a per-project quota a garden admin sets, up and down', async () => {
    const raised = await g.call(
      'admin',
      'POST',
      QUOTAS,
      projectQuota('dev', { [SHOOT_KEY]: '4', [BASTION_KEY]: '0' }),
    );
    expect(raised.status, raised.text).toBe(201);
    // members read their own project's quota, change it by no verb, and see no other project's
    expect((await g.call('dev-viewer', 'GET', `${QUOTAS}/dev`)).status).toBe(200);
    for (const user of ['other-owner', 'stranger'])
      expect((await g.call(user, 'GET', `${QUOTAS}/dev`)).status).toBe(403);
    expect((await g.call('dev-owner', 'GET', QUOTAS)).status).toBe(403);
    const patched = await g.call(
      'dev-owner',
      'PATCH',
      `${QUOTAS}/dev`,
      { spec: { hard: { [SHOOT_KEY]: '100' } } },
      'application/merge-patch+json',
    );
    expect(patched.status, patched.text).toBe(403);
    expect((await g.call('dev-owner', 'DELETE', `${QUOTAS}/dev`)).status).toBe(403);
    const fourth = await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot('s3', 'garden-dev'));
    expect(fourth.status, fourth.text).toBe(201);
    exceeded(await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot('s4', 'garden-dev')), SHOOT_KEY);
    // lowered below what exists: what exists stays, nothing new comes
    exceeded(await g.call('dev-admin', 'POST', BASTIONS('garden-dev'), bastion('b3', 's1')), BASTION_KEY);
    const deleted = await g.call('admin', 'DELETE', `${QUOTAS}/dev`);
    expect(deleted.status, deleted.text).toBe(200);
    exceeded(await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot('s5', 'garden-dev')), SHOOT_KEY);
  });

  it('refuses a malformed quota', async () => {
    const malformed: Record<string, string>[] = [
      { [SHOOT_KEY]: '-1' },
      { [SHOOT_KEY]: 'lots' },
      { 'count/secrets': '5' },
    ];
    for (const hard of malformed) {
      const answer = await g.call('admin', 'POST', QUOTAS, projectQuota('other', hard));
      expect([400, 422], answer.text).toContain(answer.status);
    }
  });
});

describe('gardener.cloud/operation', () => {
  const annotate = (user: string, path: string, value: string) =>
    g.call(
      user,
      'PATCH',
      path,
      { metadata: { annotations: { 'gardener.cloud/operation': value } } },
      'application/merge-patch+json',
    );

  it.each([
    ['an unknown operation', 'frobnicate'],
    ['a known and an unknown one', 'reconcile;frobnicate'],
    ['an operation the gardenlet does not act on', 'rotate-credentials-start'],
    ["a bastion's operation", 'keepalive'],
    ['a case variant', 'Reconcile'],
  ])('refuses %s on a shoot', async (_case, value) => {
    const answer = await annotate('dev-admin', `${SHOOTS('garden-dev')}/s1`, value);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.text).toMatch(/gardener\.cloud\/operation/);
    const after = await g.call('admin', 'GET', `${SHOOTS('garden-dev')}/s1`);
    expect(
      (after.body.metadata as { annotations?: Record<string, string> }).annotations?.[
        'gardener.cloud/operation'
      ],
    ).toBeUndefined();
  });

  it('refuses an unknown operation at create', async () => {
    const s = shoot('annotated', 'garden-dev');
    s.metadata.annotations = { 'gardener.cloud/operation': 'frobnicate' };
    const answer = await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), s);
    expect(answer.status, answer.text).toBe(422);
  });

  it('accepts the operations the gardenlet acts on, several joined by ;', async () => {
    for (const value of ['reconcile', 'retry', 'maintain;rotate-ssh-keypair']) {
      const answer = await annotate('dev-admin', `${SHOOTS('garden-dev')}/s1`, value);
      expect(answer.status, answer.text).toBe(200);
    }
  });

  it('accepts keepalive on a bastion and refuses anything else there', async () => {
    expect((await annotate('dev-admin', `${BASTIONS('garden-dev')}/b0`, 'keepalive')).status).toBe(200);
    const answer = await annotate('dev-admin', `${BASTIONS('garden-dev')}/b0`, 'reconcile');
    expect(answer.status, answer.text).toBe(422);
  });
});

describe('many creates at once', () => {
  // in the garden's own namespace (no project, no quota), so that only the locking is tested here
  it('finishes 30 concurrent shoot creates without node networks, each with its own network', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        g.call('admin', 'POST', SHOOTS('garden'), shoot(`many${i}`, 'garden')),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    const nodes = answers.map((a) => (a.body.spec as Shoot['spec']).networking.nodes);
    expect(new Set(nodes).size).toBe(30);
    expect(seconds).toBeLessThan(10);
  }, 30_000);
});
