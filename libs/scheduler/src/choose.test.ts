import { exampleSeed, exampleShoot, type Seed } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { chooseSeed, type SeedCandidate } from './choose.js';

function seed(name: string, change: (s: Seed) => void = () => {}): Seed {
  const s = exampleSeed();
  s.metadata.name = name;
  change(s);
  return s;
}

const shoot = () => exampleShoot('web');
const pick = (candidates: SeedCandidate[], s = shoot(), options = {}) => chooseSeed(s, candidates, options);

describe('chooseSeed', () => {
  it('picks the least used fitting seed, by name on a tie', () => {
    expect(
      pick([
        { seed: seed('b'), shoots: 3 },
        { seed: seed('a'), shoots: 5 },
        { seed: seed('c'), shoots: 3 },
      ]),
    ).toEqual({ seedName: 'b' });
  });

  it('sends no shoot to a seed whose gardenlet stopped posting its status (GardenletReady Unknown)', () => {
    const gone = seed('a-gone', (s) => {
      s.status = { conditions: [{ type: 'GardenletReady', status: 'Unknown', reason: 'StatusUnknown' }] };
    });
    const alive = seed('b-alive', (s) => {
      s.status = { conditions: [{ type: 'GardenletReady', status: 'True', reason: 'GardenletReady' }] };
    });
    expect(
      pick([
        { seed: gone, shoots: 0 },
        { seed: alive, shoots: 9 },
      ]),
    ).toEqual({ seedName: 'b-alive' });
    expect(pick([{ seed: gone, shoots: 0 }])).toEqual({
      reason: 'Failed to schedule shoot: 0/1 seeds are available: 1 seed has no gardenlet posting its status',
    });
    // a seed that never had a gardenlet takes shoots: they wait in its queue for it
    expect(pick([{ seed: seed('fresh'), shoots: 0 }])).toEqual({ seedName: 'fresh' });
  });

  it('sends no shoot to a seed whose gardenlet measured it short of resources', () => {
    const short = seed('a-short', (s) => {
      s.status = {
        conditions: [
          {
            type: 'SeedResourcesAvailable',
            status: 'False',
            reason: 'MemoryPressure',
            message: '700 MiB of memory available, less than the 1024 MiB a new control plane needs',
          },
        ],
      };
    });
    const roomy = seed('b-roomy', (s) => {
      s.status = {
        conditions: [{ type: 'SeedResourcesAvailable', status: 'True', reason: 'ResourcesAvailable' }],
      };
    });
    expect(
      pick([
        { seed: short, shoots: 0 },
        { seed: roomy, shoots: 9 },
      ]),
    ).toEqual({ seedName: 'b-roomy' });
    expect(pick([{ seed: short, shoots: 0 }])).toEqual({
      reason:
        'Failed to schedule shoot: 0/1 seeds are available: 1 seed is short of resources (700 MiB of memory available, less than the 1024 MiB a new control plane needs)',
    });
  });

  it('needs the same provider type and region, except for testing shoots (region only)', () => {
    const other = seed('far', (s) => (s.spec.provider.region = 'eu-1'));
    const result = pick([{ seed: other, shoots: 0 }]);
    expect(result).toEqual({
      reason:
        'Failed to schedule shoot: 0/1 seeds are available: 1 seed is in a different region than "local"',
    });
    const testing = shoot();
    testing.spec.purpose = 'testing';
    expect(pick([{ seed: other, shoots: 0 }], testing)).toEqual({ seedName: 'far' });
    const aws = seed('aws', (s) => (s.spec.provider.type = 'aws'));
    expect(pick([{ seed: aws, shoots: 0 }], testing)).toMatchObject({
      reason: expect.stringMatching(/different provider type/),
    });
  });

  it('skips invisible, deleting and tainted seeds unless the shoot tolerates the taint', () => {
    const hidden = seed('hidden', (s) => (s.spec.settings = { scheduling: { visible: false } }));
    const gone = seed('gone', (s) => (s.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'));
    const tainted = seed('tainted', (s) => (s.spec.taints = [{ key: 'seed.gardener.cloud/protected' }]));
    const candidates = [hidden, gone, tainted].map((s) => ({ seed: s, shoots: 0 }));
    const result = pick(candidates);
    expect('reason' in result && result.reason).toBe(
      'Failed to schedule shoot: 0/3 seeds are available: 1 seed is not visible for scheduling; 1 seed is being deleted; 1 seed has taints the shoot does not tolerate (seed.gardener.cloud/protected)',
    );
    const tenant = shoot();
    tenant.spec.tolerations = [{ key: 'seed.gardener.cloud/protected' }];
    expect(pick(candidates, tenant)).toMatchObject({
      reason: expect.stringMatching(/taints the shoot does not tolerate/),
    });
    const gardens = exampleShoot('web', 'garden');
    gardens.spec.tolerations = [{ key: 'seed.gardener.cloud/protected' }];
    expect(pick(candidates, gardens)).toEqual({ seedName: 'tainted' });
  });

  it('respects capacity', () => {
    const small = seed('small', (s) => (s.spec.capacity = { shoots: 2 }));
    expect(pick([{ seed: small, shoots: 2 }])).toMatchObject({
      reason: expect.stringMatching(/no capacity left \(2\/2 shoots\)/),
    });
    expect(pick([{ seed: small, shoots: 1 }])).toEqual({ seedName: 'small' });
  });

  it('needs networks disjoint from the seed (defaults included) and a range for node networks', () => {
    const clash = seed('clash', (s) => (s.spec.networks.pods = '100.64.0.0/12'));
    expect(pick([{ seed: clash, shoots: 0 }])).toMatchObject({
      reason: expect.stringMatching(/pods network \(100\.64\.0\.0\/12\) overlapping the shoot's pods/),
    });
    const noRange = seed('norange', (s) => delete s.spec.networks.shootDefaults);
    const withoutNodes = shoot();
    delete withoutNodes.spec.networking.nodes;
    expect(pick([{ seed: noRange, shoots: 0 }], withoutNodes)).toMatchObject({
      reason: expect.stringMatching(/no shootDefaults.nodes/),
    });
    expect(pick([{ seed: noRange, shoots: 0 }])).toEqual({ seedName: 'norange' });
    expect(pick([])).toEqual({ reason: 'Failed to schedule shoot: no seeds exist' });
  });

  it("puts a shoot's own node network only inside a seed's range and beside its other shoots'", () => {
    const a = seed('a');
    const b = seed('b', (s) => (s.spec.networks.shootDefaults = { nodes: '10.20.0.0/16' }));
    const onB = shoot();
    onB.spec.networking.nodes = '10.20.3.0/24';
    expect(
      pick(
        [
          { seed: a, shoots: 0 },
          { seed: b, shoots: 9 },
        ],
        onB,
      ),
    ).toEqual({ seedName: 'b' });
    const onA = shoot();
    onA.spec.networking.nodes = '10.10.3.0/24';
    const taken = { seed: a, shoots: 0, nodeNetworks: ['10.10.0.0/22'] };
    expect(pick([taken], onA)).toMatchObject({
      reason: expect.stringMatching(
        /nodes \(10\.10\.0\.0\/22\) overlap the shoot's nodes \(10\.10\.3\.0\/24\)/,
      ),
    });
    expect(pick([{ ...taken, nodeNetworks: ['10.10.4.0/24'] }], onA)).toEqual({ seedName: 'a' });
    expect(pick([taken], onA, { ignoreNetworks: true })).toEqual({ seedName: 'a' });
  });
});
