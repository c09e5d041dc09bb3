import { exampleSeed, exampleShoot, type Seed, type Shoot } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  CORE,
  startTenantGarden,
  type TenantGarden,
} from '../../apps/gardener-api/src/testing/tenant-garden.js';

/**
 * Outcome 4 of issue 15, played by unprivileged users: names that would map two tenants onto one
 * technical ID, namespaces that are taken or reserved, node networks outside the seed's range or
 * on top of another tenant's, malformed CIDRs, and seeds a user picks that the scheduler would not.
 */
let g: TenantGarden;

const PROJECTS = `${CORE}/projects`;
const SHOOTS = (ns: string) => `${CORE}/namespaces/${ns}/shoots`;

function project(name: string, namespace?: string): Record<string, unknown> {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Project',
    metadata: { name },
    spec: namespace === undefined ? {} : { namespace },
  };
}

function shoot(name: string, namespace: string, change: (s: Shoot) => void = () => {}): Shoot {
  const s = exampleShoot(name, namespace);
  delete s.spec.networking.nodes;
  change(s);
  return s;
}

function seed(name: string, change: (s: Seed) => void): Seed {
  const s = exampleSeed();
  s.metadata.name = name;
  change(s);
  return s;
}

function refused(answer: Answer, codes: number[] = [422]): void {
  expect(codes, answer.text).toContain(answer.status);
  expect(answer.body.kind).toBe('Status');
}

beforeAll(async () => {
  g = await startTenantGarden('names_networks');
  // a second region offered only by seeds a tenant may not use
  const profile = await g.call('admin', 'GET', `${CORE}/cloudprofiles/local`);
  const regions = (profile.body.spec as { regions: unknown[] }).regions;
  const patched = await g.call(
    'admin',
    'PATCH',
    `${CORE}/cloudprofiles/local`,
    { spec: { regions: [...regions, { name: 'far', zones: [{ name: 'zone-a' }, { name: 'zone-b' }] }] } },
    'application/merge-patch+json',
  );
  expect(patched.status, patched.text).toBe(200);
  const seeds = [
    seed('tainted', (s) => {
      s.spec.taints = [{ key: 'example.com/dedicated', value: 'gpu' }];
    }),
    seed('hidden', (s) => {
      s.spec.settings = { scheduling: { visible: false } };
    }),
    seed('full', (s) => {
      s.spec.capacity = { shoots: 0 };
    }),
    seed('elsewhere', (s) => {
      s.spec.provider.region = 'far';
      s.spec.taints = [{ key: 'seed.gardener.cloud/protected' }];
    }),
  ];
  for (const s of seeds) {
    const created = await g.call('admin', 'POST', `${CORE}/seeds`, s);
    expect(created.status, created.text).toBe(201);
  }
  await g.issueUser('mallory');
});

afterAll(async () => {
  await g?.stop();
});

describe('project names and namespaces', () => {
  it.each([
    ['two consecutive hyphens (shoot--a--b--c from two tenants)', 'a--b'],
    ['more than 10 characters', 'abcdefghijk'],
    ['not a DNS label', 'Dev_1'],
  ])('refuses a project name with %s', async (_case, name) => {
    refused(await g.call('mallory', 'POST', PROJECTS, project(name)));
    expect((await g.call('admin', 'GET', `${PROJECTS}/${name}`)).status).toBe(404);
  });

  // the garden namespace may hold a project (Gardener's "garden"), but only a garden admin may make it: 403
  it.each([
    ['the garden namespace', 'garden', [403]],
    ['kube-system', 'kube-system', [422]],
    ['a namespace without the garden- prefix', 'default', [422]],
    ['a namespace that is not a DNS label', 'garden-Dev_1', [422]],
    ['a namespace with two consecutive hyphens', 'garden-x--y', [422]],
    ['the namespace whose technical IDs are the garden namespace\u2019s', 'garden-garden', [422]],
  ])('refuses a project claiming %s', async (_case, namespace, codes) => {
    refused(await g.call('mallory', 'POST', PROJECTS, project('claim', namespace)), codes);
    expect((await g.call('admin', 'GET', `${PROJECTS}/claim`)).status).toBe(404);
  });

  it("refuses a project claiming another tenant's namespace, as a new project or by an update", async () => {
    refused(await g.call('mallory', 'POST', PROJECTS, project('mine', 'garden-dev')), [409, 422]);
    const own = await g.call('mallory', 'POST', PROJECTS, project('mine2'));
    expect(own.status, own.text).toBe(201);
    const moved = await g.call(
      'mallory',
      'PATCH',
      `${PROJECTS}/mine2`,
      { spec: { namespace: 'garden-other' } },
      'application/merge-patch+json',
    );
    refused(moved, [409, 422]);
  });

  it('lets only one of many concurrent projects claim one namespace', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `race${i}`);
    const answers = await Promise.all(
      names.map((name) => g.call('mallory', 'POST', PROJECTS, project(name, 'garden-shared'))),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) refused(answer, [409, 422]);
    const namespaces = await g.call('admin', 'GET', '/api/v1/namespaces');
    const shared = namespaces.body.items?.filter((n) => n.metadata.name === 'garden-shared');
    expect(shared).toHaveLength(1);
  });
});

describe('shoot names', () => {
  it.each([
    ['two consecutive hyphens', 'b--c'],
    ['a trailing hyphen', 'web-'],
    ['more than 21 characters with its project name', 'abcdefghijklmnopqrs'],
  ])('refuses a shoot name with %s', async (_case, name) => {
    refused(await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot(name, 'garden-dev')));
    expect((await g.call('admin', 'GET', `${SHOOTS('garden-dev')}/${name}`)).status).toBe(404);
  });
});

describe('node networks on a seed', () => {
  let othersNodes: string;

  beforeAll(async () => {
    const created = await g.call(
      'other-admin',
      'POST',
      SHOOTS('garden-other'),
      shoot('victim', 'garden-other', (s) => {
        s.spec.networking.nodes = '10.10.7.0/24';
      }),
    );
    expect(created.status, created.text).toBe(201);
    othersNodes = (created.body.spec as Shoot['spec']).networking.nodes ?? '';
    expect((created.body.spec as Shoot['spec']).seedName).toBe('local');
  });

  it.each([
    ['the same network', '10.10.7.0/24'],
    ['a network inside it', '10.10.7.128/25'],
    ['a network around it', '10.10.0.0/20'],
  ])("refuses %s as another tenant's shoot on that seed", async (_case, nodes) => {
    expect(othersNodes).toBe('10.10.7.0/24');
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('overlap', 'garden-dev', (s) => {
        s.spec.networking.nodes = nodes;
      }),
    );
    refused(answer);
    expect(answer.text).toMatch(/overlap/);
  });

  it.each([
    ['a host network outside the seed range', '192.168.1.0/24'],
    ['the seed range and more', '10.0.0.0/8'],
  ])('refuses %s', async (_case, nodes) => {
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('outside', 'garden-dev', (s) => {
        s.spec.networking.nodes = nodes;
      }),
    );
    refused(answer);
    expect(answer.text).toMatch(/10\.10\.0\.0\/16/);
  });

  it.each([
    ['host bits set', 'nodes', '10.10.9.1/24'],
    ['leading zeros', 'nodes', '10.10.09.0/24'],
    ['an IPv6 range', 'nodes', 'fd00:10::/64'],
    ['no prefix length', 'nodes', '10.10.9.0'],
    ['a prefix with a leading zero', 'nodes', '10.10.9.0/024'],
    ['surrounding space', 'nodes', ' 10.10.9.0/24'],
    ['a range of half the address space', 'pods', '0.0.0.0/1'],
    ['the whole address space', 'services', '0.0.0.0/0'],
  ])('refuses a CIDR with %s', async (_case, key, cidr) => {
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('badcidr', 'garden-dev', (s) => {
        s.spec.networking[key as 'nodes' | 'pods' | 'services'] = cidr;
      }),
    );
    refused(answer);
    expect((await g.call('admin', 'GET', `${SHOOTS('garden-dev')}/badcidr`)).status).toBe(404);
  });

  it('refuses pods or services on top of the networks of the seed named', async () => {
    for (const [key, cidr] of [
      ['pods', '10.1.0.0/16'],
      ['services', '172.18.0.0/20'],
    ] as const) {
      const answer = await g.call(
        'dev-admin',
        'POST',
        SHOOTS('garden-dev'),
        shoot('seednet', 'garden-dev', (s) => {
          s.spec.seedName = 'local';
          s.spec.networking[key] = cidr;
        }),
      );
      refused(answer);
    }
  });

  it('gives a shoot without nodes a free network of the seed range', async () => {
    const created = await g.call('dev-admin', 'POST', SHOOTS('garden-dev'), shoot('auto', 'garden-dev'));
    expect(created.status, created.text).toBe(201);
    const nodes = (created.body.spec as Shoot['spec']).networking.nodes;
    expect(nodes).toMatch(/^10\.10\.\d+\.0\/24$/);
    expect(nodes).not.toBe(othersNodes);
  });
});

describe('a seed named by a tenant', () => {
  it.each([
    ['a seed with a taint the shoot does not tolerate', 'tainted', /taint/],
    ['an invisible seed', 'hidden', /not visible/],
    ['a seed without capacity', 'full', /capacity/],
    ['a seed in another region', 'elsewhere', /region/],
  ])('refuses %s at create', async (_case, seedName, reason) => {
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('pinned', 'garden-dev', (s) => {
        s.spec.seedName = seedName;
      }),
    );
    expect([403, 422], answer.text).toContain(answer.status);
    expect(answer.text).toMatch(reason);
    expect((await g.call('admin', 'GET', `${SHOOTS('garden-dev')}/pinned`)).status).toBe(404);
  });

  it('refuses a seed set later on a shoot the scheduler could not place', async () => {
    const created = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('pending', 'garden-dev', (s) => {
        s.spec.region = 'far';
        for (const worker of s.spec.provider.workers) worker.zones = ['zone-a'];
      }),
    );
    expect(created.status, created.text).toBe(201);
    expect((created.body.spec as Shoot['spec']).seedName).toBeUndefined();
    const answer = await g.call(
      'dev-admin',
      'PATCH',
      `${SHOOTS('garden-dev')}/pending`,
      { spec: { seedName: 'elsewhere' } },
      'application/merge-patch+json',
    );
    expect([403, 422], answer.text).toContain(answer.status);
    expect(answer.text).toMatch(/taint/);
    const after = await g.call('admin', 'GET', `${SHOOTS('garden-dev')}/pending`);
    expect((after.body.spec as Shoot['spec']).seedName).toBeUndefined();
  });

  it('accepts a seed the shoot fits', async () => {
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('tolerant', 'garden-dev', (s) => {
        s.spec.seedName = 'tainted';
        s.spec.tolerations = [{ key: 'example.com/dedicated', value: 'gpu' }];
      }),
    );
    expect(answer.status, answer.text).toBe(201);
  });

  it("refuses a tenant's shoot tolerating the protected taint (only the garden namespace may)", async () => {
    const answer = await g.call(
      'dev-admin',
      'POST',
      SHOOTS('garden-dev'),
      shoot('protected', 'garden-dev', (s) => {
        s.spec.region = 'far';
        for (const worker of s.spec.provider.workers) worker.zones = ['zone-a'];
        s.spec.seedName = 'elsewhere';
        s.spec.tolerations = [{ key: 'seed.gardener.cloud/protected' }];
      }),
    );
    refused(answer, [403, 422]);
    expect(answer.text).toMatch(/protected/);
  });
});
