import type { CloudProfile } from './kinds/cloudprofile.js';
import type { Project } from './kinds/project.js';
import type { Seed } from './kinds/seed.js';
import type { Shoot } from './kinds/shoot.js';

/** The `local` resources a fresh installation registers, and a newcomer's shoot (fresh copies). */
export function exampleCloudProfile(): CloudProfile {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'CloudProfile',
    metadata: { name: 'local' },
    spec: {
      type: 'local',
      kubernetes: {
        versions: [
          { version: '1.34.1', classification: 'supported' },
          { version: '1.34.0', classification: 'supported' },
          { version: '1.35.0', classification: 'preview' },
          { version: '1.33.5', classification: 'deprecated', expirationDate: '2020-01-01T00:00:00Z' },
        ],
      },
      machineImages: [
        {
          name: 'debian',
          updateStrategy: 'minor',
          versions: [{ version: '12', cri: [{ name: 'containerd' }], architectures: ['amd64'] }],
        },
      ],
      machineTypes: [
        { name: 'local-small', cpu: '1', gpu: '0', memory: '1Gi', architecture: 'amd64', usable: true },
        { name: 'local-medium', cpu: '2', gpu: '0', memory: '2Gi', architecture: 'amd64', usable: true },
        { name: 'local-retired', cpu: '1', gpu: '0', memory: '1Gi', architecture: 'amd64', usable: false },
      ],
      regions: [{ name: 'local', zones: [{ name: 'zone-a' }, { name: 'zone-b' }, { name: 'zone-c' }] }],
    },
  };
}

export function exampleSeed(): Seed {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Seed',
    metadata: { name: 'local' },
    spec: {
      provider: { type: 'local', region: 'local', zones: ['zone-a', 'zone-b', 'zone-c'] },
      backend: { type: 'local' },
      capacity: { shoots: 40 },
      networks: {
        nodes: '172.18.0.0/16',
        pods: '10.1.0.0/16',
        services: '10.2.0.0/16',
        shootDefaults: { nodes: '10.10.0.0/16' },
      },
      settings: { scheduling: { visible: true } },
    },
  };
}

export function exampleProject(name = 'dev'): Project {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Project',
    metadata: { name },
    spec: {
      namespace: `garden-${name}`,
      members: [
        {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'User',
          name: 'alice@example.com',
          role: 'admin',
          roles: ['uam'],
        },
      ],
    },
  };
}

export function exampleShoot(name = 'demo', namespace = 'garden-dev'): Shoot {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Shoot',
    metadata: { name, namespace },
    spec: {
      cloudProfileName: 'local',
      region: 'local',
      provider: {
        type: 'local',
        workers: [
          {
            name: 'pool-a',
            machine: { type: 'local-small', image: { name: 'debian', version: '12' } },
            minimum: 2,
            maximum: 3,
            maxSurge: 1,
            maxUnavailable: 0,
            zones: ['zone-a', 'zone-b'],
          },
        ],
      },
      kubernetes: { version: '1.34' },
      networking: { nodes: '10.10.7.0/24', pods: '100.64.0.0/12', services: '100.104.0.0/13' },
      purpose: 'evaluation',
      maintenance: {
        timeWindow: { begin: '220000+0000', end: '230000+0000' },
        autoUpdate: { kubernetesVersion: true, machineImageVersion: true },
      },
      hibernation: {
        schedules: [{ start: '00 20 * * 1,2,3,4,5', end: '00 07 * * 1,2,3,4,5', location: 'Europe/Berlin' }],
      },
    },
  };
}
