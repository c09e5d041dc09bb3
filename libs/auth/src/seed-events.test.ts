import type { KubeObject } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import {
  type SeedScope,
  seedChangeDecision,
  seedEventDecision,
  seedOwns,
  seedRequestDecision,
} from './seed-authorizer.js';

const scope: SeedScope = { seedName: 'local', shoots: new Set(['garden-dev/mine']) };
const seed = {
  name: 'gardener.cloud:system:seed:local',
  kind: 'Seed',
  seedName: 'local',
  gardenAdmin: false,
} as const;

const mine: KubeObject = {
  apiVersion: 'core.gardener.cloud/v1beta1',
  kind: 'Shoot',
  metadata: { name: 'mine', namespace: 'garden-dev', uid: 'u-mine' },
  spec: { seedName: 'local' },
};
const theirs: KubeObject = {
  ...mine,
  metadata: { ...mine.metadata, name: 'theirs', uid: 'u-theirs' },
  spec: { seedName: 'far' },
};
const machine: KubeObject = {
  apiVersion: 'machine.sapcloud.io/v1alpha1',
  kind: 'Machine',
  metadata: {
    name: 'mine-pool-z1-abc-xyz',
    namespace: 'garden-dev',
    uid: 'u-m',
    labels: { 'shoot.gardener.cloud/name': 'mine' },
  },
};

function eventAbout(object: KubeObject, shootLabel: string, uid = object.metadata.uid): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e', namespace: 'garden-dev', labels: { 'shoot.gardener.cloud/name': shootLabel } },
    involvedObject: { kind: object.kind, name: object.metadata.name, namespace: 'garden-dev', uid },
  };
}

describe('a seed and events', () => {
  it('may create and patch events, nothing else', () => {
    for (const group of ['', 'events.k8s.io']) {
      const ask = (verb: 'create' | 'patch' | 'get' | 'list' | 'watch' | 'update' | 'delete') =>
        seedRequestDecision(seed, { verb, group, version: 'v1', resource: 'events', namespace: 'garden-dev' })
          .allowed;
      expect([ask('create'), ask('patch')]).toEqual([true, true]);
      expect([ask('get'), ask('list'), ask('watch'), ask('update'), ask('delete')]).toEqual([
        false,
        false,
        false,
        false,
        false,
      ]);
    }
  });

  it('records only about an existing object of its shoots, with its uid and its shoot as label', () => {
    expect(seedEventDecision(scope, eventAbout(mine, 'mine'), mine).allowed).toBe(true);
    expect(seedEventDecision(scope, eventAbout(machine, 'mine'), machine).allowed).toBe(true);
    expect(seedEventDecision(scope, eventAbout(mine, 'mine'), undefined)).toMatchObject({ allowed: false });
    expect(seedEventDecision(scope, eventAbout(mine, 'mine', 'u-old'), mine)).toMatchObject({
      allowed: false,
    });
    expect(seedEventDecision(scope, eventAbout(theirs, 'theirs'), theirs)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/does not belong to a shoot of seed "local"/),
    });
    expect(seedEventDecision(scope, eventAbout(machine, 'theirs'), machine)).toMatchObject({
      allowed: false,
    });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mine.ssh-keypair', namespace: 'garden-dev' },
    };
    expect(seedEventDecision(scope, eventAbout(secret, 'mine'), secret)).toMatchObject({ allowed: false });
  });

  it('owns an event by its shoot label, which a patch cannot move', () => {
    const event = eventAbout(mine, 'mine');
    expect(seedOwns(scope, event)).toBe(true);
    expect(seedOwns(scope, eventAbout(theirs, 'theirs'))).toBe(false);
    const moved = { ...event, metadata: { ...event.metadata, labels: {} } };
    expect(seedChangeDecision(scope, event, moved)).toMatchObject({ allowed: false });
    expect(seedChangeDecision(scope, event, { ...event, count: 2 }).allowed).toBe(true);
  });
});
