import { describe, expect, it } from 'vitest';
import { jsonEqual } from './strategy.js';

describe('jsonEqual', () => {
  it('ignores key order at every depth', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(
      true,
    );
  });

  it('tells apart other values, array orders, types and missing keys', () => {
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(false);
  });

  it('compares as JSON texts would: an undefined key is an absent one, prototypes do not matter', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(jsonEqual(bare, { a: 1 })).toBe(true);
    expect(jsonEqual(undefined, undefined)).toBe(true);
  });
});
