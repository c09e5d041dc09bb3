import { describe, expect, it } from 'vitest';
import { type AdmissionLookups, admit } from './admission.js';
import {
  allocateNodeCidr,
  DEFAULT_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  randomMaintenanceWindow,
  resolveKubernetesVersion,
} from './defaults/shoot.js';
import { exampleCloudProfile, exampleSeed, exampleShoot } from './examples.js';
import type { Shoot } from './kinds/shoot.js';
import { resourceByKind } from './resources.js';

function minimalShoot(): Shoot {
  const shoot = exampleShoot();
  shoot.spec.networking = {};
  delete shoot.spec.purpose;
  delete shoot.spec.maintenance;
  const worker = shoot.spec.provider.workers[0];
  if (!worker) throw new Error('example has a worker');
  delete worker.maxSurge;
  delete worker.maxUnavailable;
  worker.machine = { type: 'local-small', image: { name: 'debian' } };
  return shoot;
}

function lookups(taken: string[] = []): AdmissionLookups {
  return {
    cloudProfile: async () => exampleCloudProfile(),
    seed: async () => exampleSeed(),
    shootsOnSeed: async () => taken.map((nodes) => ({ nodes })),
    exists: async () => true,
    projectOfNamespace: async () => undefined,
  };
}

const shootType = resourceByKind('Shoot');
if (!shootType) throw new Error('Shoot is registered');

describe('shoot defaults', () => {
  it('fills purpose, networks, maintenance, worker surge, image version, architecture and the full version', async () => {
    const shoot = (await admit(shootType, minimalShoot() as never, undefined, {
      lookups: lookups(),
      random: () => 0.5,
    })) as unknown as Shoot;
    expect(shoot.spec.purpose).toBe('evaluation');
    expect(shoot.spec.networking).toEqual({ pods: DEFAULT_POD_CIDR, services: DEFAULT_SERVICE_CIDR });
    expect(shoot.spec.maintenance?.timeWindow).toEqual({ begin: '120000+0000', end: '130000+0000' });
    expect(shoot.spec.maintenance?.autoUpdate).toEqual({
      kubernetesVersion: true,
      machineImageVersion: true,
    });
    expect(shoot.spec.kubernetes.version).toBe('1.34.1');
    const worker = shoot.spec.provider.workers[0];
    expect(worker?.maxSurge).toBe(1);
    expect(worker?.maxUnavailable).toBe(0);
    expect(worker?.machine.image?.version).toBe('12');
    expect(worker?.machine.architecture).toBe('amd64');
  });

  it('keeps what the user gave', async () => {
    const given = exampleShoot();
    given.spec.kubernetes.version = '1.34.0';
    const shoot = (await admit(shootType, structuredClone(given) as never, undefined, {
      lookups: lookups(),
    })) as unknown as Shoot;
    expect(shoot.spec.kubernetes.version).toBe('1.34.0');
    expect(shoot.spec.networking).toEqual(given.spec.networking);
    expect(shoot.spec.maintenance).toEqual(given.spec.maintenance);
  });

  it('resolves a minor version to the newest supported, unexpired patch', () => {
    const profile = exampleCloudProfile();
    expect(resolveKubernetesVersion('1.34', profile)).toBe('1.34.1');
    profile.spec.kubernetes.versions[0] = {
      version: '1.34.1',
      classification: 'supported',
      expirationDate: '2000-01-01T00:00:00Z',
    };
    expect(resolveKubernetesVersion('1.34', profile)).toBe('1.34.0');
    expect(resolveKubernetesVersion('1.35', profile)).toBe('1.35');
  });

  it('spreads random maintenance windows over the day, each one hour long', () => {
    expect(randomMaintenanceWindow(() => 0)).toEqual({ begin: '000000+0000', end: '010000+0000' });
    expect(randomMaintenanceWindow(() => 0.999)).toEqual({ begin: '230000+0000', end: '000000+0000' });
  });
});

describe('node CIDR allocation', () => {
  it('gives a shoot bound to a seed the first free /24 of the seed range', async () => {
    const shoot = minimalShoot();
    shoot.spec.seedName = 'local';
    const admitted = (await admit(shootType, shoot as never, undefined, {
      lookups: lookups(['10.10.0.0/24', '10.10.1.0/24']),
    })) as unknown as Shoot;
    expect(admitted.spec.networking.nodes).toBe('10.10.2.0/24');
  });

  it('leaves shoots without a seed to the scheduler and refuses when the seed range is full', async () => {
    const unbound = (await admit(shootType, minimalShoot() as never, undefined, {
      lookups: lookups(),
    })) as unknown as Shoot;
    expect(unbound.spec.networking.nodes).toBeUndefined();
    const seed = exampleSeed();
    if (seed.spec.networks.shootDefaults) seed.spec.networks.shootDefaults.nodes = '10.10.0.0/23';
    const shoot = minimalShoot();
    expect(allocateNodeCidr(shoot, seed, ['10.10.0.0/24', '10.10.1.0/24'])).toBe(false);
    expect(allocateNodeCidr(shoot, seed, ['10.10.0.0/24'])).toBe(true);
    expect(shoot.spec.networking.nodes).toBe('10.10.1.0/24');
  });

  it('never hands out two shoots the same network', async () => {
    const taken: string[] = [];
    for (let i = 0; i < 5; i++) {
      const shoot = minimalShoot();
      shoot.metadata.name = `s${i}`;
      shoot.spec.seedName = 'local';
      const admitted = (await admit(shootType, shoot as never, undefined, {
        lookups: lookups(taken),
      })) as unknown as Shoot;
      taken.push(admitted.spec.networking.nodes ?? '');
    }
    expect(new Set(taken).size).toBe(5);
  });
});
