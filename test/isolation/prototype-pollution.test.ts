import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenantGarden, type TenantGarden } from '../../apps/gardener-api/src/testing/tenant-garden.js';

/**
 * Issue 15, outcome 1: no request body, patch or query string reaches an object prototype. Each
 * attack is followed by the invariants a polluted process would break: a request without a token
 * is 401, a stranger is 403 in another tenant's namespace, a viewer cannot read secrets, and the
 * process still answers /healthz.
 */

const CONFIGMAPS = '/api/v1/namespaces/garden-dev/configmaps';
const TARGET = `${CONFIGMAPS}/target`;
const ADMIN_IDENTITY = { name: 'pwned', kind: 'User', gardenAdmin: true };
const POLLUTION = { identity: ADMIN_IDENTITY, gardenAdmin: true, members: [], role: 'owner' };

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
const YAML = 'application/yaml';

interface Attack {
  name: string;
  user: string | undefined;
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  /** The answer: 400 naming the key unless the request is refused earlier (401, 403) or otherwise (422). */
  expected?: number;
  /** What a 400 says; by default it names the refused key. */
  message?: RegExp;
}

const jsonPatch = (
  name: string,
  operations: unknown,
  user: string | undefined = 'dev-admin',
  expected = 400,
): Attack => ({
  name: `json patch ${name} as ${user ?? 'no token'}`,
  user,
  method: 'PATCH',
  path: TARGET,
  body: operations,
  contentType: JSON_PATCH,
  expected,
});

const patch = (
  kind: string,
  contentType: string,
  name: string,
  body: unknown,
  user = 'dev-admin',
): Attack => ({
  name: `${kind} patch ${name} as ${user}`,
  user,
  method: 'PATCH',
  path: TARGET,
  body,
  contentType,
});

const add = (path: string, value: unknown = ADMIN_IDENTITY) => ({ op: 'add', path, value });

const JSON_PATCH_ATTACKS: Attack[] = [
  jsonPatch('add /__proto__/identity', [add('/__proto__/identity')]),
  // Those who may not patch the object are refused before the patch is looked at.
  jsonPatch('add /__proto__/identity', [add('/__proto__/identity')], 'dev-viewer', 403),
  jsonPatch('add /__proto__/identity', [add('/__proto__/identity')], 'stranger', 403),
  jsonPatch('add /metadata/__proto__/gardenAdmin', [add('/metadata/__proto__/gardenAdmin', true)]),
  jsonPatch('add /data/__proto__/identity', [add('/data/__proto__/identity')]),
  jsonPatch('replace /__proto__/toString', [{ op: 'replace', path: '/__proto__/toString', value: 'x' }]),
  jsonPatch('add /constructor/prototype/identity', [add('/constructor/prototype/identity')]),
  jsonPatch('add /metadata/constructor/prototype/gardenAdmin', [
    add('/metadata/constructor/prototype/gardenAdmin', true),
  ]),
  jsonPatch('move to /__proto__/identity', [
    add('/metadata/labels/stash', 'x'),
    { op: 'move', from: '/metadata/labels/stash', path: '/__proto__/identity' },
  ]),
  jsonPatch('move from /__proto__', [{ op: 'move', from: '/__proto__', path: '/data/leak' }]),
  jsonPatch('copy to /metadata/__proto__/identity', [
    { op: 'copy', from: '/metadata', path: '/metadata/__proto__/identity' },
  ]),
  jsonPatch('copy from /constructor', [{ op: 'copy', from: '/constructor', path: '/data/leak' }]),
  // Pointers follow own members only: an inherited method is not there to copy.
  {
    ...jsonPatch('copy from /metadata/toString', [
      { op: 'copy', from: '/metadata/toString', path: '/data/leak' },
    ]),
    message: /"\/metadata\/toString" does not exist/,
  },
  jsonPatch('test /__proto__', [{ op: 'test', path: '/__proto__', value: {} }]),
  jsonPatch('remove /metadata/__proto__', [{ op: 'remove', path: '/metadata/__proto__' }]),
  // `~1` decodes to `/`: one key, `__proto__/identity`, which no kind has.
  {
    ...jsonPatch('~-escaped /__proto__~1identity', [add('/__proto__~1identity')]),
    message: /unknown field "__proto__\/identity"/,
  },
  // `~1` decodes to `/`: the label key `a/__proto__` is only an invalid label.
  jsonPatch(
    '~-escaped /metadata/labels/a~1__proto__',
    [add('/metadata/labels/a~1__proto__', 'y')],
    'dev-admin',
    422,
  ),
  jsonPatch('~-escaped /metadata/~0~1/../__proto__', [add('/metadata/~0~1/../__proto__/x', 'y')]),
  // Raw JSON whose pointer spells `__proto__` with a \u escape: only after decoding is it visible.
  jsonPatch(
    'unicode-escaped /\\u005f_proto__/identity',
    `[{"op":"add","path":"/\\u005f_proto__/identity","value":${JSON.stringify(ADMIN_IDENTITY)}}]`,
  ),
  {
    ...jsonPatch('add /__proto__/identity', [add('/__proto__/identity')]),
    name: 'json patch as no token',
    user: undefined,
    expected: 401,
  },
];

const OBJECT_PATCH_ATTACKS: Attack[] = [MERGE_PATCH, STRATEGIC_PATCH].flatMap((contentType) => {
  const kind = contentType === MERGE_PATCH ? 'merge' : 'strategic';
  const proto = `{"__proto__":${JSON.stringify(POLLUTION)}}`;
  return [
    patch(kind, contentType, 'top-level __proto__', proto),
    patch(kind, contentType, 'top-level __proto__', proto, 'dev-viewer'),
    patch(kind, contentType, 'top-level constructor.prototype', { constructor: { prototype: POLLUTION } }),
    patch(kind, contentType, '__proto__ in metadata.labels', `{"metadata":{"labels":${proto}}}`),
    patch(kind, contentType, 'constructor.prototype in metadata.labels', {
      metadata: { labels: { constructor: { prototype: POLLUTION } } },
    }),
    patch(kind, contentType, '__proto__ in data', `{"data":${proto}}`),
    patch(kind, contentType, '__proto__ inside a list', `{"metadata":{"finalizers":[${proto}]}}`),
    patch(kind, contentType, 'prototype key in data', { data: { prototype: 'x' } }),
  ];
});

const STRATEGIC_DIRECTIVE_ATTACKS: Attack[] = [
  patch('strategic', STRATEGIC_PATCH, '$deleteFromPrimitiveList/__proto__', {
    metadata: { '$deleteFromPrimitiveList/__proto__': ['x'] },
  }),
  patch('strategic', STRATEGIC_PATCH, '$setElementOrder/constructor', {
    metadata: { '$setElementOrder/constructor': ['x'] },
  }),
];

const yamlCreate = (name: string, text: string, user = 'dev-admin'): Attack => ({
  name: `YAML body ${name} as ${user}`,
  user,
  method: 'POST',
  path: CONFIGMAPS,
  body: text,
  contentType: YAML,
});

const YAML_ATTACKS: Attack[] = [
  yamlCreate(
    '__proto__ at the top',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y1\n__proto__:\n  identity:\n    name: pwned\n    kind: User\n    gardenAdmin: true\n',
  ),
  yamlCreate(
    '__proto__ in labels',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y2\n  labels:\n    __proto__:\n      gardenAdmin: true\n',
  ),
  yamlCreate(
    'anchor reused under __proto__',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y3\n  annotations: &evil\n    gardenAdmin: "true"\ndata:\n  __proto__: *evil\n',
  ),
  yamlCreate(
    '<< merge key carrying __proto__',
    'apiVersion: v1\nkind: ConfigMap\nbase: &b\n  __proto__:\n    gardenAdmin: true\nmetadata:\n  name: y4\n  <<: *b\n',
  ),
  yamlCreate(
    'quoted constructor key',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y5\n"constructor":\n  prototype:\n    gardenAdmin: true\n',
  ),
  yamlCreate(
    '__proto__ at the top',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y6\n__proto__:\n  gardenAdmin: true\n',
    'stranger',
  ),
];

const JSON_BODY_ATTACKS: Attack[] = [
  {
    name: 'JSON create with __proto__ as dev-admin',
    user: 'dev-admin',
    method: 'POST',
    path: CONFIGMAPS,
    body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j1"},"__proto__":${JSON.stringify(POLLUTION)}}`,
  },
  {
    name: 'JSON update with nested __proto__ as dev-admin',
    user: 'dev-admin',
    method: 'PUT',
    path: TARGET,
    body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"target","annotations":{"__proto__":{"gardenAdmin":true}}}}`,
  },
  {
    name: 'JSON project create with constructor.prototype as stranger',
    user: 'stranger',
    method: 'POST',
    path: '/apis/core.gardener.cloud/v1beta1/projects',
    body: { metadata: { name: 'evil' }, spec: { constructor: { prototype: POLLUTION } } },
  },
];

const QUERY_ATTACKS: Attack[] = [
  '?__proto__[gardenAdmin]=true',
  '?__proto__=x',
  '?constructor[prototype][gardenAdmin]=1',
  '?constructor.prototype.gardenAdmin=1',
  '?prototype=1',
  '?%5F%5Fproto%5F%5F%5BgardenAdmin%5D=true',
].flatMap((query) =>
  ['dev-viewer', 'stranger', undefined].map((user) => ({
    name: `query ${query} as ${user ?? 'no token'}`,
    user,
    method: 'GET',
    path: `${CONFIGMAPS}${query}`,
  })),
);

describe('request bodies, patches and query strings cannot reach object prototypes', () => {
  let g: TenantGarden;

  beforeAll(async () => {
    g = await startTenantGarden('proto_pollution');
    const created = await g.call('dev-admin', 'POST', CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'target', labels: { app: 'x' } },
      data: { key: 'value' },
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await g?.stop();
  });

  async function expectIsolationHolds(): Promise<void> {
    expect(g.server.child.exitCode, `the API process died:\n${g.server.output().slice(-2000)}`).toBeNull();
    expect((await g.call(undefined, 'GET', '/healthz')).status).toBe(200);
    expect((await g.call(undefined, 'GET', CONFIGMAPS)).status).toBe(401);
    expect((await g.call(undefined, 'GET', '/apis/core.gardener.cloud/v1beta1/projects')).status).toBe(401);
    expect((await g.call('stranger', 'GET', '/api/v1/namespaces/garden-other/configmaps')).status).toBe(403);
    expect((await g.call('stranger', 'GET', '/api/v1/namespaces/garden-other/secrets')).status).toBe(403);
    expect((await g.call('dev-viewer', 'GET', '/api/v1/namespaces/garden-dev/secrets')).status).toBe(403);
  }

  it.each([
    ...JSON_PATCH_ATTACKS,
    ...OBJECT_PATCH_ATTACKS,
    ...STRATEGIC_DIRECTIVE_ATTACKS,
    ...YAML_ATTACKS,
    ...JSON_BODY_ATTACKS,
    ...QUERY_ATTACKS,
  ])('$name: refused with a 4xx Status, isolation holds', async (attack) => {
    const answer = await g.call(attack.user, attack.method, attack.path, attack.body, attack.contentType);
    // What a polluted process gets wrong first: who the next requests are.
    await expectIsolationHolds();
    expect(answer.status, answer.text).toBe(attack.expected ?? 400);
    expect(answer.body.kind).toBe('Status');
    if (answer.status === 400)
      expect(answer.body.message).toMatch(
        attack.message ?? /uses the key "(__proto__|constructor|prototype)[^"]*"/,
      );
  });

  it('names the refused key in the Status message', async () => {
    const answer = await g.call('dev-admin', 'PATCH', TARGET, [add('/__proto__/identity')], JSON_PATCH);
    expect(answer.status).toBe(400);
    expect(answer.body.reason).toBe('BadRequest');
    expect(answer.body.message).toMatch(/"__proto__"/);
    const query = await g.call('dev-viewer', 'GET', `${CONFIGMAPS}?constructor[prototype][x]=1`);
    expect(query.status).toBe(400);
    expect(query.body.message).toMatch(/"constructor\[prototype\]\[x\]"/);
  });

  it('leaves the target object as it was and still serves ordinary patches', async () => {
    const target = await g.call('dev-admin', 'GET', TARGET);
    expect(target.status).toBe(200);
    expect(target.body.data).toEqual({ key: 'value' });
    expect((target.body.metadata as { labels: unknown }).labels).toEqual({ app: 'x' });
    const ok = await g.call('dev-admin', 'PATCH', TARGET, [add('/data/other', 'v')], JSON_PATCH);
    expect(ok.status, ok.text).toBe(200);
    const tested = await g.call(
      'dev-admin',
      'PATCH',
      TARGET,
      [{ op: 'test', path: '/data', value: { other: 'v', key: 'value' } }],
      JSON_PATCH,
    );
    expect(tested.status, tested.text).toBe(200);
    expect((await g.call('dev-admin', 'GET', `${CONFIGMAPS}?labelSelector=constructor`)).body.items).toEqual(
      [],
    );
  });
});
