import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../meta.js';
import { FieldSet, formatPath, fromFieldsV1, toFieldsV1 } from './field-set.js';
import { listTypesOf } from './list-types.js';
import { fieldSetOf } from './object-fields.js';
import { managedFieldsAfterUpdate, planApply, type WriteScope } from './ownership.js';

const API_VERSION = 'core.gardener.cloud/v1beta1';
const scope: WriteScope = {
  type: {
    kind: 'Shoot',
    apiVersion: API_VERSION,
    hasStatus: true,
    patchMergeKeys: { 'spec.provider.workers': 'name' },
  },
};
const statusScope: WriteScope = { ...scope, subresource: 'status' };
const listTypes = listTypesOf(scope.type);
const T1 = '2026-12-07T10:00:00Z';
const T2 = '2026-12-07T11:00:00Z';

function shoot(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'Shoot',
    metadata: { name: 'a', namespace: 'garden-dev' },
    spec,
    ...extra,
  };
}

/** The object as stored after an apply (what the service does around admission). */
function applied(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force = false,
  s = scope,
): KubeObject {
  const plan = planApply(s, live, config, manager, force);
  const next = structuredClone(plan.object);
  const managedFields = plan.managedFields(next, T2);
  if (managedFields) next.metadata.managedFields = managedFields;
  else delete next.metadata.managedFields;
  return next;
}

function updated(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  s = scope,
  now = T1,
): KubeObject {
  const copy = structuredClone(next);
  const managedFields = managedFieldsAfterUpdate(s, old, copy, manager, now);
  if (managedFields) copy.metadata.managedFields = managedFields;
  else delete copy.metadata.managedFields;
  return copy;
}

function entry(obj: KubeObject, manager: string) {
  return (obj.metadata.managedFields as Array<Record<string, unknown>> | undefined)?.find(
    (e) => e.manager === manager,
  );
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('field sets', () => {
  it('computes members: scalars, atomic lists, keyed items with their fields, set values', () => {
    const set = fieldSetOf(
      {
        metadata: { labels: { a: 'x' }, finalizers: ['f1'] },
        spec: { provider: { workers: [{ name: 'w1', zones: ['z1', 'z2'] }] }, empty: {} },
      },
      listTypes,
    );
    expect([...set].map(formatPath).sort()).toEqual([
      '.metadata.finalizers[="f1"]',
      '.metadata.labels.a',
      '.spec.empty',
      '.spec.provider.workers[name="w1"]',
      '.spec.provider.workers[name="w1"].name',
      '.spec.provider.workers[name="w1"].zones',
    ]);
  });

  it("owns a Secret's data whole, so managedFields never name its (sealed) keys", () => {
    const secretTypes = listTypesOf({ kind: 'Secret' });
    const set = fieldSetOf({ data: { token: 'c2VjcmV0' }, type: 'Opaque' }, secretTypes);
    expect(JSON.stringify(toFieldsV1(set))).toBe('{"f:data":{},"f:type":{}}');
  });

  it('writes and reads fieldsV1 as kube does, "." marking a member with children', () => {
    const set = fieldSetOf({ spec: { provider: { workers: [{ name: 'w1', minimum: 1 }] } } }, listTypes);
    const fields = toFieldsV1(set);
    expect(fields).toEqual({
      'f:spec': {
        'f:provider': {
          'f:workers': { 'k:{"name":"w1"}': { '.': {}, 'f:minimum': {}, 'f:name': {} } },
        },
      },
    });
    expect(fromFieldsV1(fields).equals(set)).toBe(true);
  });

  it('refuses malformed fieldsV1', () => {
    expect(() => fromFieldsV1({ 'x:spec': {} })).toThrow(/no path element/);
    expect(() => fromFieldsV1({ 'k:nope': {} })).toThrow(/not a key object/);
    expect(() => fromFieldsV1({ 'f:spec': [] })).toThrow(/not an object/);
    expect(() => fromFieldsV1({ 'f:__proto__': {} })).toThrow(/not allowed/);
  });

  it('refuses a keyed item without its key, or two with one key, in an applied configuration', () => {
    const noKey = shoot({ provider: { workers: [{ minimum: 1 }] } });
    expect(() => planApply(scope, undefined, noKey, 'm', false)).toThrow(/needs its key field\(s\) name/);
    const twice = shoot({ provider: { workers: [{ name: 'w' }, { name: 'w' }] } });
    expect(() => planApply(scope, undefined, twice, 'm', false)).toThrow(
      /duplicate entries for key \[name="w"\]/,
    );
  });
});

describe('server-side apply', () => {
  it('creates: the applier owns exactly what it applied (not server metadata, not status)', () => {
    const obj = applied(
      undefined,
      shoot({ region: 'r1', purpose: 'dev' }, { status: { forged: true } }),
      'kubectl',
    );
    const e = entry(obj, 'kubectl');
    expect(e).toMatchObject({
      operation: 'Apply',
      apiVersion: API_VERSION,
      time: T2,
      fieldsType: 'FieldsV1',
    });
    expect(e?.fieldsV1).toEqual({ 'f:spec': { 'f:purpose': {}, 'f:region': {} } });
  });

  it('reports a conflict with an updater as kube-apiserver does, and changes nothing', () => {
    const created = updated(undefined, shoot({ region: 'r1', foo: 'a' }), 'kubectl-client-side-apply');
    const error = conflictOf(() => planApply(scope, created, shoot({ foo: 'b' }), 'kubectl', false));
    expect(error.code).toBe('Conflict');
    expect(error.message).toBe(
      `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using ${API_VERSION}: .spec.foo`,
    );
    expect(error.details.causes).toEqual([
      {
        type: 'FieldManagerConflict',
        field: '.spec.foo',
        message: `conflict with "kubectl-client-side-apply" using ${API_VERSION}`,
      },
    ]);
  });

  it('lists several conflicts by manager', () => {
    const a = applied(undefined, shoot({ x: '1', y: '1' }), 'alice');
    const error = conflictOf(() => planApply(scope, a, shoot({ x: '2', y: '2' }), 'bob', false));
    expect(error.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.x\n- .spec.y',
    );
  });

  it('shares fields applied with the same value, and takes them with force', () => {
    const a = applied(undefined, shoot({ x: '1', y: '1' }), 'alice');
    const shared = applied(a, shoot({ x: '1' }), 'bob');
    expect(entry(shared, 'alice')?.fieldsV1).toEqual({ 'f:spec': { 'f:x': {}, 'f:y': {} } });
    expect(entry(shared, 'bob')?.fieldsV1).toEqual({ 'f:spec': { 'f:x': {} } });
    const forced = applied(shared, shoot({ y: '2' }), 'bob', true);
    expect((forced.spec as Record<string, unknown>).y).toBe('2');
    expect(entry(forced, 'alice')?.fieldsV1).toEqual({ 'f:spec': { 'f:x': {} } });
    // bob no longer applies x, but alice still owns it: it stays
    expect((forced.spec as Record<string, unknown>).x).toBe('1');
    expect(entry(forced, 'bob')?.fieldsV1).toEqual({ 'f:spec': { 'f:y': {} } });
  });

  it('removes a field the applier no longer applies when nobody else owns it', () => {
    const first = applied(
      undefined,
      shoot({ x: '1', y: '1' }, { metadata: { name: 'a', labels: { keep: 'k', drop: 'd' } } }),
      'ci',
    );
    const second = applied(
      first,
      shoot({ x: '1' }, { metadata: { name: 'a', labels: { keep: 'k' } } }),
      'ci',
    );
    expect(second.spec).toEqual({ x: '1' });
    expect(second.metadata.labels).toEqual({ keep: 'k' });
  });

  it('keeps a field the applier dropped when another manager owns it', () => {
    const first = applied(undefined, shoot({ x: '1', y: '1' }), 'ci');
    const edited = updated(first, { ...first, spec: { x: '1', y: '2' } }, 'kubectl-edit');
    const second = applied(edited, shoot({ x: '1' }), 'ci');
    expect(second.spec).toEqual({ x: '1', y: '2' });
  });

  it('merges keyed lists item by item and removes only the items the applier dropped', () => {
    const workers = (names: string[]) => ({
      provider: { workers: names.map((name) => ({ name, minimum: 1 })) },
    });
    const mine = applied(undefined, shoot(workers(['w1', 'w2'])), 'ci');
    const theirs = applied(mine, shoot(workers(['w3'])), 'other');
    expect(
      (theirs.spec as { provider: { workers: { name: string }[] } }).provider.workers.map((w) => w.name),
    ).toEqual(['w1', 'w2', 'w3']);
    const dropped = applied(theirs, shoot(workers(['w1'])), 'ci');
    expect(
      (dropped.spec as { provider: { workers: { name: string }[] } }).provider.workers.map((w) => w.name),
    ).toEqual(['w1', 'w3']);
  });

  it('replaces atomic lists whole', () => {
    const first = applied(undefined, shoot({ zones: ['a', 'b'] }), 'ci');
    expect(applied(first, shoot({ zones: ['c'] }), 'ci').spec).toEqual({ zones: ['c'] });
  });

  it('merges finalizers as a set', () => {
    const live = shoot({}, { metadata: { name: 'a', finalizers: ['gardener'] } });
    const next = applied(live, shoot({}, { metadata: { name: 'a', finalizers: ['mine'] } }), 'ci');
    expect(next.metadata.finalizers).toEqual(['gardener', 'mine']);
  });

  it('a null applies nothing', () => {
    const first = applied(undefined, shoot({ x: '1', y: '1' }), 'ci');
    expect(applied(first, shoot({ x: '1', y: null }), 'ci').spec).toEqual({ x: '1' });
  });

  it('on the status subresource owns status only', () => {
    const live = applied(undefined, shoot({ x: '1' }), 'ci');
    const next = applied(
      live,
      shoot({ x: '2' }, { status: { phase: 'ok' } }),
      'gardenlet',
      false,
      statusScope,
    );
    expect(next.spec).toEqual({ x: '1' });
    expect(entry(next, 'gardenlet')).toMatchObject({
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:phase': {} } },
    });
  });
});

describe('updates', () => {
  it('a create owns every field it wrote; a later update takes what it changed from the others', () => {
    const created = updated(undefined, shoot({ x: '1', y: '1' }), 'kubectl-create');
    expect(entry(created, 'kubectl-create')).toMatchObject({
      operation: 'Update',
      apiVersion: API_VERSION,
      time: T1,
    });
    const edited = updated(created, { ...created, spec: { x: '2', y: '1' } }, 'kubectl-edit', scope, T2);
    expect(entry(edited, 'kubectl-create')?.fieldsV1).toEqual({ 'f:spec': { 'f:y': {} } });
    expect(entry(edited, 'kubectl-edit')).toMatchObject({ time: T2, fieldsV1: { 'f:spec': { 'f:x': {} } } });
  });

  it('status writes are recorded with subresource status and leave the main entries alone', () => {
    const created = updated(undefined, shoot({ x: '1' }), 'kubectl-create');
    const next = updated(
      created,
      { ...created, status: { lastOperation: { state: 'Succeeded' } } },
      'gardenlet',
      statusScope,
    );
    expect(entry(next, 'gardenlet')).toMatchObject({
      operation: 'Update',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:lastOperation': { 'f:state': {} } } },
    });
    expect(entry(next, 'kubectl-create')?.fieldsV1).toEqual({ 'f:spec': { 'f:x': {} } });
  });

  it('managedFields in a body: [] keeps the live ones, [{}] clears them, malformed ones are ignored', () => {
    const created = updated(undefined, shoot({ x: '1' }), 'kubectl-create');
    const kept = updated(created, { ...created, metadata: { ...created.metadata, managedFields: [] } }, 'm');
    expect(kept.metadata.managedFields).toEqual(created.metadata.managedFields);
    const cleared = updated(
      created,
      { ...created, metadata: { ...created.metadata, managedFields: [{}] } },
      'm',
    );
    expect(cleared.metadata.managedFields).toBeUndefined();
    const bad = [{ manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { nonsense: {} } }];
    const ignored = updated(
      created,
      { ...created, metadata: { ...created.metadata, managedFields: bad } },
      'm',
    );
    expect(ignored.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('refuses entries with a wrong operation or fieldsType (422)', () => {
    const created = updated(undefined, shoot({ x: '1' }), 'kubectl-create');
    const bad = [{ manager: 'x', operation: 'Steal', fieldsType: 'FieldsV2', fieldsV1: { 'f:spec': {} } }];
    const error = conflictOf(() =>
      updated(created, { ...created, metadata: { ...created.metadata, managedFields: bad } }, 'm'),
    );
    expect(error.code).toBe('Invalid');
    expect(error.message).toMatch(/metadata\.managedFields\[0\]\.operation: must be `Apply` or `Update`/);
    expect(error.message).toMatch(/metadata\.managedFields\[0\]\.fieldsType/);
  });

  it('a body cannot forge ownership of status or the status subresource entries', () => {
    const created = updated(undefined, shoot({ x: '1' }), 'kubectl-create');
    const withStatus = updated(created, { ...created, status: { phase: 'a' } }, 'gardenlet', statusScope);
    const forged = [
      {
        manager: 'mallory',
        operation: 'Apply',
        apiVersion: API_VERSION,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:phase': {} }, 'f:spec': { 'f:x': {} } },
      },
      {
        manager: 'mallory',
        operation: 'Update',
        apiVersion: API_VERSION,
        fieldsType: 'FieldsV1',
        subresource: 'status',
        fieldsV1: { 'f:status': {} },
      },
    ];
    const next = updated(
      withStatus,
      { ...withStatus, metadata: { ...withStatus.metadata, managedFields: forged } },
      'm',
    );
    const entries = next.metadata.managedFields as Array<Record<string, unknown>>;
    expect(entries.map((e) => `${e.manager}/${e.subresource ?? ''}`).sort()).toEqual([
      'gardenlet/status',
      'mallory/',
    ]);
    expect(entry(next, 'mallory')?.fieldsV1).toEqual({ 'f:spec': { 'f:x': {} } });
  });

  it('keeps at most ten update managers, merging the oldest into ancient-changes', () => {
    let obj = updated(undefined, shoot({ f0: 0 }), 'm0', scope, '2026-12-07T00:00:00Z');
    for (let i = 1; i <= 12; i++) {
      const time = `2026-12-07T${String(i).padStart(2, '0')}:00:00Z`;
      obj = updated(obj, { ...obj, spec: { ...(obj.spec as object), [`f${i}`]: i } }, `m${i}`, scope, time);
    }
    const entries = obj.metadata.managedFields as Array<{ manager: string; fieldsV1: object }>;
    expect(entries).toHaveLength(10);
    const ancient = entries.find((e) => e.manager === 'ancient-changes');
    expect(new FieldSet([...fromFieldsV1(ancient?.fieldsV1)]).size).toBe(4);
  });
});
