import type { KubeObject } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { isSystemFinalizer, systemFieldsDecision } from './system-fields.js';

const shoot = (finalizers?: string[]): KubeObject => ({
  apiVersion: 'core.gardener.cloud/v1beta1',
  kind: 'Shoot',
  metadata: { name: 'demo', namespace: 'garden-dev', ...(finalizers ? { finalizers } : {}) },
});

describe('system finalizers', () => {
  it('are gardener’s, Kubernetes’ and the machine controller’s, in any spelling', () => {
    for (const f of [
      'gardener',
      'GARDENER',
      'kubernetes',
      'gardener.cloud/reference-protection',
      'core.gardener.cloud/x',
      'extensions.gardener.cloud/local',
      'gardener-ts.io/cleanup',
      'kubernetes.io/pvc-protection',
      'foregroundDeletion.k8s.io/x',
      'machine.sapcloud.io/machine-controller-manager',
    ])
      expect(isSystemFinalizer(f), f).toBe(true);
    for (const f of ['example.com/cleanup', 'my.org/keep', 'cleanup'])
      expect(isSystemFinalizer(f), f).toBe(false);
  });

  it('may be neither removed nor added by a user; the user’s own may', () => {
    const withGardener = shoot(['gardener', 'example.com/a']);
    expect(systemFieldsDecision(withGardener, shoot(['example.com/a'])).allowed).toBe(false);
    expect(systemFieldsDecision(withGardener, shoot())).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('finalizer "gardener" is the system'),
    });
    expect(systemFieldsDecision(shoot(), shoot(['gardener.cloud/x'])).allowed).toBe(false);
    expect(systemFieldsDecision(undefined, shoot(['kubernetes'])).allowed).toBe(false);
    expect(systemFieldsDecision(withGardener, shoot(['example.com/a', 'gardener'])).allowed).toBe(true);
    expect(systemFieldsDecision(withGardener, shoot(['gardener'])).allowed).toBe(true);
    expect(systemFieldsDecision(undefined, shoot(['example.com/b'])).allowed).toBe(true);
  });
});

describe('SecretBindings', () => {
  const binding = (namespace?: string): KubeObject =>
    ({
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'SecretBinding',
      metadata: { name: 'b', namespace: 'garden-dev' },
      secretRef: { name: 's', ...(namespace ? { namespace } : {}) },
    }) as KubeObject;

  it('name secrets of their own namespace only', () => {
    expect(systemFieldsDecision(undefined, binding('garden-other')).allowed).toBe(false);
    expect(systemFieldsDecision(binding('garden-dev'), binding('garden-other')).allowed).toBe(false);
    expect(systemFieldsDecision(undefined, binding('garden-dev')).allowed).toBe(true);
    expect(systemFieldsDecision(undefined, binding()).allowed).toBe(true);
  });
});
