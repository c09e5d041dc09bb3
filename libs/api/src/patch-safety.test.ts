import { afterEach, describe, expect, it } from 'vitest';
import { decodeStrict } from './decode.js';
import { ApiError, ApiErrorCode } from './errors.js';
import { configMapSchema } from './kinds/core-v1.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { assertSafeKeys, ownValue } from './safe-keys.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';

/** Issue 15, outcome 1: no patch kind and no decoder writes through `__proto__`, `constructor`, `prototype`. */

const POLLUTION = { polluted: true, gardenAdmin: true };

function doc() {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', labels: { app: 'x' }, finalizers: ['a'] },
    data: { key: 'value' },
  };
}

/** Parses as a request body would be: `__proto__` becomes an own key, as JSON.parse makes it. */
const json = (text: string): unknown => JSON.parse(text);

function expectPrototypesClean(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).gardenAdmin).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('identity');
}

function expectRefused(apply: () => unknown, key: string): void {
  let error: unknown;
  try {
    apply();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(ApiErrorCode.BadRequest);
  expect((error as ApiError).message).toContain(`"${key}"`);
  expectPrototypesClean();
}

const PRISTINE = Object.getOwnPropertyDescriptors(Object.prototype);

afterEach(() => {
  // Should a test fail by polluting, the others must not fail for that reason.
  for (const key of Reflect.ownKeys(Object.prototype))
    if (!(key in PRISTINE)) delete (Object.prototype as Record<PropertyKey, unknown>)[key];
  Object.defineProperties(Object.prototype, PRISTINE);
});

describe('JSON patch', () => {
  const ops = (...list: unknown[]) => list;
  it.each([
    ['add /__proto__/polluted', ops({ op: 'add', path: '/__proto__/polluted', value: true }), '__proto__'],
    [
      'add /metadata/__proto__/polluted',
      ops({ op: 'add', path: '/metadata/__proto__/polluted', value: true }),
      '__proto__',
    ],
    [
      'replace /__proto__/toString',
      ops({ op: 'replace', path: '/__proto__/toString', value: 1 }),
      '__proto__',
    ],
    [
      'add /constructor/prototype/polluted',
      ops({ op: 'add', path: '/constructor/prototype/polluted', value: true }),
      'constructor',
    ],
    ['add /data/prototype', ops({ op: 'add', path: '/data/prototype', value: 'x' }), 'prototype'],
    ['remove /metadata/__proto__', ops({ op: 'remove', path: '/metadata/__proto__' }), '__proto__'],
    [
      'move to /__proto__/identity',
      ops({ op: 'move', from: '/data', path: '/__proto__/identity' }),
      '__proto__',
    ],
    ['move from /__proto__', ops({ op: 'move', from: '/__proto__', path: '/data/x' }), '__proto__'],
    [
      'copy to /metadata/__proto__/identity',
      ops({ op: 'copy', from: '/metadata', path: '/metadata/__proto__/identity' }),
      '__proto__',
    ],
    [
      'copy from /metadata/constructor',
      ops({ op: 'copy', from: '/metadata/constructor', path: '/data/x' }),
      'constructor',
    ],
    ['test /__proto__', ops({ op: 'test', path: '/__proto__', value: {} }), '__proto__'],
    [
      'a value with an own __proto__ key',
      json('[{"op":"add","path":"/data","value":{"__proto__":{"polluted":true}}}]'),
      '__proto__',
    ],
    [
      'a \\u-escaped pointer',
      json('[{"op":"add","path":"/\\u005f_proto__/polluted","value":true}]'),
      '__proto__',
    ],
    [
      'the second operation',
      ops(
        { op: 'add', path: '/data/a', value: 'b' },
        { op: 'add', path: '/__proto__/polluted', value: true },
      ),
      '__proto__',
    ],
  ])('refuses %s', (_name, operations, key) => {
    const target = doc();
    expectRefused(() => applyJsonPatch(target, operations), key);
    expect(target).toEqual(doc());
  });

  it('reads only own members: `toString` and friends do not exist', () => {
    for (const op of [
      { op: 'copy', from: '/metadata/toString', path: '/data/x' },
      { op: 'replace', path: '/metadata/hasOwnProperty', value: 'x' },
      { op: 'remove', path: '/data/valueOf' },
      { op: 'add', path: '/metadata/toString/x', value: 'x' },
    ])
      expect(() => applyJsonPatch(doc(), [op])).toThrow(/does not exist/);
  });

  it('~-escaped pointers decode to literal keys, never to a prototype', () => {
    expect(applyJsonPatch(doc(), [{ op: 'add', path: '/data/__proto__~1x', value: 'v' }])).toMatchObject({
      data: { '__proto__/x': 'v' },
    });
    expect(applyJsonPatch(doc(), [{ op: 'add', path: '/data/~0__proto__', value: 'v' }])).toMatchObject({
      data: { '~__proto__': 'v' },
    });
    expectPrototypesClean();
  });

  it('test compares structurally: key order does not matter', () => {
    const target = { spec: { a: 1, b: { c: [1, { d: 2, e: 3 }] } } };
    expect(
      applyJsonPatch(target, [{ op: 'test', path: '/spec', value: { b: { c: [1, { e: 3, d: 2 }] }, a: 1 } }]),
    ).toEqual(target);
    expect(() => applyJsonPatch(target, [{ op: 'test', path: '/spec', value: { a: 1 } }])).toThrow(
      /test operation/,
    );
    expect(() =>
      applyJsonPatch(target, [{ op: 'test', path: '/spec/b/c', value: [{ d: 2, e: 3 }, 1] }]),
    ).toThrow(/test operation/);
  });

  it('test passes on reordered keys and fails on another value with the same Invalid error', () => {
    const target = { spec: { ports: [{ name: 'https', port: 443 }], selector: { app: 'x', tier: 'web' } } };
    const reordered = { selector: { tier: 'web', app: 'x' }, ports: [{ port: 443, name: 'https' }] };
    expect(applyJsonPatch(target, [{ op: 'test', path: '/spec', value: reordered }])).toEqual(target);
    const different = { ...reordered, selector: { tier: 'db', app: 'x' } };
    const failure = (() => {
      try {
        applyJsonPatch(target, [{ op: 'test', path: '/spec', value: different }]);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      code: ApiErrorCode.Invalid,
      message: 'the test operation on "/spec" failed',
    });
  });
});

describe('merge patch', () => {
  it.each([
    ['top-level __proto__', `{"__proto__":${JSON.stringify(POLLUTION)}}`, '__proto__'],
    [
      '__proto__ in metadata.labels',
      `{"metadata":{"labels":{"__proto__":{"polluted":"true"}}}}`,
      '__proto__',
    ],
    ['__proto__ deep in a list', `{"data":{"x":[[{"a":{"__proto__":{"polluted":1}}}]]}}`, '__proto__'],
    ['constructor.prototype', `{"constructor":{"prototype":${JSON.stringify(POLLUTION)}}}`, 'constructor'],
    [
      'constructor.prototype in metadata',
      `{"metadata":{"constructor":{"prototype":{"polluted":1}}}}`,
      'constructor',
    ],
    ['prototype in data', `{"data":{"prototype":"x"}}`, 'prototype'],
    ['a deleted __proto__', `{"metadata":{"__proto__":null}}`, '__proto__'],
  ])('refuses %s', (_name, text, key) => {
    const target = doc();
    expectRefused(() => applyMergePatch(target, json(text)), key);
    expect(target).toEqual(doc());
  });

  it('merges into own members only', () => {
    expect(applyMergePatch({ metadata: {} }, { metadata: { toString: 'x' } })).toEqual({
      metadata: { toString: 'x' },
    });
  });
});

describe('strategic merge patch', () => {
  const keys = { 'spec.provider.workers': 'name' };
  it.each([
    ['top-level __proto__', `{"__proto__":${JSON.stringify(POLLUTION)}}`, '__proto__'],
    [
      '__proto__ in metadata.labels',
      `{"metadata":{"labels":{"__proto__":{"polluted":"true"}}}}`,
      '__proto__',
    ],
    ['constructor.prototype', `{"constructor":{"prototype":${JSON.stringify(POLLUTION)}}}`, 'constructor'],
    [
      '$deleteFromPrimitiveList/__proto__',
      `{"metadata":{"$deleteFromPrimitiveList/__proto__":["a"]}}`,
      '__proto__',
    ],
    ['$deleteFromPrimitiveList/constructor', `{"$deleteFromPrimitiveList/constructor":["a"]}`, 'constructor'],
    ['$setElementOrder/prototype', `{"metadata":{"$setElementOrder/prototype":[{"name":"a"}]}}`, 'prototype'],
    [
      '__proto__ in a merge-key list element',
      `{"spec":{"provider":{"workers":[{"name":"a","__proto__":{"polluted":1}}]}}}`,
      '__proto__',
    ],
    [
      '__proto__ under $patch: replace',
      `{"metadata":{"$patch":"replace","__proto__":{"polluted":1}}}`,
      '__proto__',
    ],
    [
      '__proto__ in $setElementOrder values',
      `{"spec":{"provider":{"$setElementOrder/workers":[{"__proto__":{"polluted":1}}]}}}`,
      '__proto__',
    ],
  ])('refuses %s', (_name, text, key) => {
    const target = { ...doc(), spec: { provider: { workers: [{ name: 'a' }] } } };
    const before = structuredClone(target);
    expectRefused(() => applyStrategicMergePatch(target, json(text), '', keys), key);
    expect(target).toEqual(before);
  });

  it('keeps working for ordinary directives and merge keys', () => {
    const target = { metadata: { finalizers: ['a', 'b'] }, spec: { provider: { workers: [{ name: 'a' }] } } };
    expect(
      applyStrategicMergePatch(
        target,
        {
          metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
          spec: {
            provider: {
              workers: [{ name: 'b' }],
              '$setElementOrder/workers': [{ name: 'b' }, { name: 'a' }],
            },
          },
        },
        '',
        keys,
      ),
    ).toEqual({
      metadata: { finalizers: ['b'] },
      spec: { provider: { workers: [{ name: 'b' }, { name: 'a' }] } },
    });
  });
});

describe('decoding', () => {
  it.each([
    [
      '__proto__ at the top',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"__proto__":{"polluted":1}}',
      '__proto__',
    ],
    [
      '__proto__ in labels',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"__proto__":{"x":"y"}}}}',
      '__proto__',
    ],
    [
      'constructor in data',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"constructor":"x"}}',
      'constructor',
    ],
    [
      'prototype in annotations',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","annotations":{"prototype":"x"}}}',
      'prototype',
    ],
  ])('decodeStrict refuses %s', (_name, text, key) => {
    expectRefused(() => decodeStrict(configMapSchema, json(text), 'ConfigMap'), key);
  });

  it('assertSafeKeys names where the key is, walks aliases once and survives deep nesting', () => {
    expect(() => assertSafeKeys(json('{"a":[{"b":{"constructor":1}}]}'))).toThrow(
      'the request body (at a.0.b.constructor) uses the key "constructor"',
    );
    const shared = { x: 1 };
    expect(() => assertSafeKeys({ a: shared, b: shared, c: [shared, shared] })).not.toThrow();
    const deep = json(`${'['.repeat(50_000)}{"__proto__":1}${']'.repeat(50_000)}`);
    expect(() => assertSafeKeys(deep)).toThrow(/"__proto__"/);
    expect(() => assertSafeKeys(['__proto__', 'constructor'])).not.toThrow();
  });
});

describe('own-property reads', () => {
  it('ownValue never reads through a prototype', () => {
    expect(ownValue({}, 'constructor')).toBeUndefined();
    expect(ownValue({}, 'toString')).toBeUndefined();
    expect(ownValue({ a: 1 }, 'a')).toBe(1);
    expect(ownValue(undefined, 'a')).toBeUndefined();
  });

  it('label and field selectors match own labels and fields only', () => {
    const labels = { app: 'x' };
    expect(matchesLabels(parseLabelSelector('constructor'), labels)).toBe(false);
    expect(matchesLabels(parseLabelSelector('!toString'), labels)).toBe(true);
    expect(matchesLabels(parseLabelSelector('app'), labels)).toBe(true);
    const fields = parseFieldSelector('metadata.constructor=x', ['metadata.constructor']);
    expect(matchesFields(fields, { metadata: {} })).toBe(false);
  });
});
