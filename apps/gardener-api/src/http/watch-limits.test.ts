import { setTimeout as sleep } from 'node:timers/promises';
import type { Identity } from '@gardener-ts/auth';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { toStatus } from './status.js';
import { TooManyWatches, WatchLimits } from './watch-limits.js';

const settings = { maxPerUser: 2, maxTotal: 3, recheckMs: 20, maxLagEvents: 10 };
const user = (name: string): Identity => ({ name, kind: 'User', gardenAdmin: false });
const robot: Identity = {
  name: 'system:serviceaccount:garden-dev:robot',
  kind: 'ServiceAccount',
  namespace: 'garden-dev',
  gardenAdmin: false,
};
const admin: Identity = { name: 'admin', kind: 'User', gardenAdmin: true };

function refusal(act: () => unknown): TooManyWatches {
  try {
    act();
  } catch (error) {
    if (error instanceof TooManyWatches) return error;
    throw error;
  }
  throw new Error('expected TooManyWatches');
}

describe('WatchLimits', () => {
  it('caps watches per identity and in total; admins are neither capped nor counted', () => {
    const limits = new WatchLimits(settings);
    const first = limits.acquire(user('a'));
    limits.acquire(user('a'));
    const refused = refusal(() => limits.acquire(user('a')));
    expect(toStatus(refused)).toMatchObject({ code: 429, reason: 'TooManyRequests' });
    expect(refused.message).toContain('User "a" already has 2 open (at most 2)');
    limits.acquire(robot);
    expect(refusal(() => limits.acquire(user('b'))).message).toContain('at most 3');
    for (let i = 0; i < 10; i++) limits.acquire(admin);
    // releasing twice frees one slot only
    first.release();
    first.release();
    limits.acquire(user('b'));
    expect(() => limits.acquire(user('c'))).toThrow(TooManyWatches);
  });

  it('ends every watch of a check that says no, keeps those whose check fails otherwise', async () => {
    const limits = new WatchLimits(settings);
    const ended: string[] = [];
    const checks = new Map<string, number>();
    const watch = (name: string, checkKey: string, allowed: () => Promise<boolean>) => {
      const unguard = limits.guard({
        checkKey,
        stillAllowed: () => {
          checks.set(checkKey, (checks.get(checkKey) ?? 0) + 1);
          return allowed();
        },
        buffered: () => 0,
        end: () => {
          ended.push(name);
          unguard();
        },
      });
      return unguard;
    };
    watch('revoked-1', 'revoked', async () => false);
    watch('revoked-2', 'revoked', async () => false);
    const flaky = watch('flaky', 'flaky', () => Promise.reject(new Error('database away')));
    const fine = watch('fine', 'fine', async () => true);
    await sleep(100);
    expect(ended.sort()).toEqual(['revoked-1', 'revoked-2']);
    // one check for both watches of a key; the others are checked every round
    expect(checks.get('revoked')).toBe(1);
    expect(checks.get('flaky')).toBeGreaterThan(1);
    expect(checks.get('fine')).toBeGreaterThan(1);
    flaky();
    fine();
  });

  it('reports open watches and unsent bytes as metrics', async () => {
    const registry = new Registry();
    const limits = new WatchLimits(settings, registry);
    limits.acquire(user('a'));
    limits.acquire(admin);
    const unguard = limits.guard({
      checkKey: 'k',
      stillAllowed: async () => true,
      buffered: () => 4096,
      end: () => undefined,
    });
    const text = await registry.metrics();
    expect(text).toMatch(/^gardener_api_watches\{admin="false"\} 1$/m);
    expect(text).toMatch(/^gardener_api_watches\{admin="true"\} 1$/m);
    expect(text).toMatch(/^gardener_api_watch_buffered_bytes 4096$/m);
    unguard();
  });
});
