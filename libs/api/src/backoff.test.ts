import { afterEach, describe, expect, it, vi } from 'vitest';
import { Backoff, backoffDelay, withJitter } from './backoff.js';

describe('backoff', () => {
  afterEach(() => vi.restoreAllMocks());

  it('doubles from the first pause and stops at the cap', () => {
    const policy = { initialMs: 1_000, maxMs: 5_000 };
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(policy, retry))).toEqual([
      1_000, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect(backoffDelay(policy, 10_000)).toBe(5_000);
    expect(backoffDelay({ initialMs: 0, maxMs: 5_000 }, 10_000)).toBe(0);
  });

  it('jitter keeps a pause in its upper half', () => {
    vi.spyOn(Math, 'random').mockReturnValueOnce(0).mockReturnValueOnce(0.999_999);
    expect(withJitter(1_000)).toBe(500);
    expect(withJitter(1_000)).toBeCloseTo(1_000, 2);
  });

  it('a Backoff counts failures and starts over after reset', () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([500, 1_000, 2_000]);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });
});
