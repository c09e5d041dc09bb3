import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';

describe('label selectors', () => {
  const labels = { env: 'prod', tier: 'web', 'gardener.cloud/role': 'x' };
  it.each([
    ['env=prod', true],
    ['env==prod', true],
    ['env!=prod', false],
    ['env in (dev,prod)', true],
    ['env notin (dev,prod)', false],
    ['tier', true],
    ['!tier', false],
    ['missing!=x', true],
    ['env=prod,tier=db', false],
    ['gardener.cloud/role=x, env in (prod)', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseLabelSelector('env=not ok!')).toThrow(ApiError);
    expect(() => parseLabelSelector('-bad-key-=x')).toThrow(ApiError);
  });

  it('parses field selectors only on supported fields', () => {
    const reqs = parseFieldSelector('metadata.name=a,metadata.namespace!=b', [
      'metadata.name',
      'metadata.namespace',
    ]);
    expect(matchesFields(reqs, { metadata: { name: 'a', namespace: 'c' } })).toBe(true);
    expect(matchesFields(reqs, { metadata: { name: 'a', namespace: 'b' } })).toBe(false);
    expect(() => parseFieldSelector('spec.region=x', ['metadata.name'])).toThrow(/not supported/);
  });
});

describe('patches', () => {
  const doc = {
    metadata: { labels: { a: '1', b: '2' }, finalizers: ['x'] },
    spec: { list: [1, 2, 3], n: 1 },
  };

  it('merge patch sets, replaces lists and deletes with null', () => {
    expect(applyMergePatch(doc, { metadata: { labels: { a: null, c: '3' } }, spec: { list: [9] } })).toEqual({
      metadata: { labels: { b: '2', c: '3' }, finalizers: ['x'] },
      spec: { list: [9], n: 1 },
    });
  });

  it('JSON patch applies add/replace/remove/move/copy/test and fails cleanly', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'replace', path: '/spec/n', value: 2 },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'copy', from: '/spec/n', path: '/spec/m' },
      { op: 'move', from: '/spec/m', path: '/spec/k' },
      { op: 'test', path: '/spec/k', value: 2 },
      { op: 'add', path: '/metadata/labels/x~1y', value: 'z' },
    ]);
    expect(out).toEqual({
      metadata: { labels: { b: '2', 'x/y': 'z' }, finalizers: ['x'] },
      spec: { list: [1, 2, 3, 4], n: 2, k: 2 },
    });
    expect(doc.spec.list).toHaveLength(3);
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/spec/nope', value: 1 }])).toThrow(
      /does not exist/,
    );
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/spec/n', value: 5 }])).toThrow(/test operation/);
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(/array/);
  });

  it('strategic merge patch merges finalizers and honours directives', () => {
    expect(applyStrategicMergePatch(doc, { metadata: { finalizers: ['y'] } })).toMatchObject({
      metadata: { finalizers: ['x', 'y'] },
    });
    expect(
      applyStrategicMergePatch(doc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }),
    ).toMatchObject({ metadata: { finalizers: [] } });
    expect(
      applyStrategicMergePatch(doc, { metadata: { labels: { $patch: 'replace', z: '9' } } }),
    ).toMatchObject({ metadata: { labels: { z: '9' } } });
    expect(applyStrategicMergePatch({ data: { a: 'x', b: 'y' } }, { data: { a: null } })).toEqual({
      data: { b: 'y' },
    });
  });
});

describe('strategic merge by merge key', () => {
  it('merges listed objects by key, keeps server-set fields, deletes with $patch and follows $setElementOrder', () => {
    const shoot = {
      spec: {
        provider: {
          workers: [
            { name: 'a', minimum: 1, maxSurge: 1 },
            { name: 'b', minimum: 2 },
          ],
        },
      },
    };
    const keys = { 'spec.provider.workers': 'name' };
    const patch = {
      spec: {
        provider: {
          '$setElementOrder/workers': [{ name: 'c' }, { name: 'a' }],
          workers: [
            { name: 'a', minimum: 3 },
            { name: 'b', $patch: 'delete' },
            { name: 'c', minimum: 1 },
          ],
        },
      },
    };
    expect(applyStrategicMergePatch(shoot, patch, '', keys)).toEqual({
      spec: {
        provider: {
          workers: [
            { name: 'c', minimum: 1 },
            { name: 'a', minimum: 3, maxSurge: 1 },
          ],
        },
      },
    });
    // without a declared key, a list is replaced as in a merge patch
    expect(applyStrategicMergePatch(shoot, { spec: { provider: { workers: [{ name: 'z' }] } } })).toEqual({
      spec: { provider: { workers: [{ name: 'z' }] } },
    });
  });
});
