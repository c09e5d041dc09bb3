import type { KubeObject } from '@gardener-ts/api';
import type { Decision } from './authorize.js';

/**
 * What a user's write may not change on any object, whatever the verb or patch kind: the rules
 * compare the stored object with the one about to be stored, so every route to a change (PUT,
 * merge, JSON or strategic patch, tricks with `test`, `move` or `$patch: replace`) meets them.
 * The gardenlet writes through the in-process store and is not subject to them.
 */

/** Kubernetes' own and Gardener's: bare `kubernetes`/`gardener` and anything in their domains. */
const SYSTEM_DOMAINS = ['kubernetes.io', 'k8s.io', 'sapcloud.io', 'gardener.cloud'];

/**
 * Whether a finalizer belongs to the system: `gardener`, `kubernetes`, any name that mentions
 * gardener (`gardener.cloud/…`, `*.gardener.cloud/…`, `gardener-ts…`), or one in a Kubernetes or
 * machine-controller-manager domain. Users may keep finalizers of their own domain (`example.com/x`).
 */
export function isSystemFinalizer(finalizer: string): boolean {
  const name = finalizer.toLowerCase();
  if (name === 'kubernetes' || name.includes('gardener')) return true;
  const domain = name.includes('/') ? (name.split('/')[0] ?? '') : '';
  return SYSTEM_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}

function systemFinalizers(obj: KubeObject | undefined): Set<string> {
  return new Set((obj?.metadata.finalizers ?? []).filter(isSystemFinalizer));
}

const allow: Decision = { allowed: true };

function finalizerDecision(old: KubeObject | undefined, next: KubeObject): Decision {
  const before = systemFinalizers(old);
  const after = systemFinalizers(next);
  const removed = [...before].find((f) => !after.has(f));
  if (removed)
    return {
      allowed: false,
      reason: `finalizer "${removed}" is the system's: it goes when the gardener has finished with the object (delete the object to start that; a garden admin can force it)`,
    };
  const added = [...after].find((f) => !before.has(f));
  if (added)
    return {
      allowed: false,
      reason: `finalizer "${added}" is reserved for the system; use one of your own domain, such as "example.com/${added.replace(/[^a-z0-9-]/gi, '-')}"`,
    };
  return allow;
}

/** A SecretBinding hands its secret to the gardener for the project's shoots: only its own namespace's. */
function bindingDecision(next: KubeObject): Decision {
  if (next.kind !== 'SecretBinding') return allow;
  const ref = (next as { secretRef?: { namespace?: string } }).secretRef;
  const namespace = ref?.namespace ?? next.metadata.namespace;
  return namespace === next.metadata.namespace
    ? allow
    : {
        allowed: false,
        reason: `secretRef.namespace "${namespace}" is not the binding's own namespace "${next.metadata.namespace}": create the secret in this project`,
      };
}

/** May a user (not a garden admin) store `next` where `old` was (`undefined` on create)? */
export function systemFieldsDecision(old: KubeObject | undefined, next: KubeObject): Decision {
  const finalizers = finalizerDecision(old, next);
  return finalizers.allowed ? bindingDecision(next) : finalizers;
}
