import type { FieldError } from '../errors.js';
import { BASTION_KEEPALIVE_OPERATION } from '../kinds/bastion.js';
import type { KubeObject } from '../meta.js';

/** Gardener's annotation that asks the gardenlet for an operation; several are joined by `;`. */
export const OPERATION_ANNOTATION = 'gardener.cloud/operation';

/** The operations a shoot's reconcile acts on (and then removes from the annotation). */
export const SHOOT_OPERATIONS = ['reconcile', 'retry', 'maintain', 'rotate-ssh-keypair'] as const;

/** The operations each kind the gardenlet watches accepts; no controller reads the annotation elsewhere. */
const OPERATIONS_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  Shoot: SHOOT_OPERATIONS,
  Bastion: [BASTION_KEEPALIVE_OPERATION],
};

/** The operations in an annotation value, as the gardenlet reads them. */
export function operationsIn(value: string | undefined): string[] {
  return (value ?? '')
    .split(';')
    .map((op) => op.trim())
    .filter(Boolean);
}

/**
 * An operation annotation must name only operations the gardenlet acts on for the kind: anything
 * else would never be removed, and the sweep would reconcile the shoot again every minute for it.
 * Operations already stored are left alone (the gardenlet removes only what it handled), so only
 * what a write adds is checked.
 */
export function validateOperationAnnotation(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  const value = obj.metadata.annotations?.[OPERATION_ANNOTATION];
  if (value === undefined || value === old?.metadata.annotations?.[OPERATION_ANNOTATION]) return [];
  const supported = OPERATIONS_BY_KIND[obj.kind];
  if (!supported) return [];
  const before = new Set(operationsIn(old?.metadata.annotations?.[OPERATION_ANNOTATION]));
  const segments = value.split(';').map((op) => op.trim());
  const added = segments.filter((op) => !before.has(op));
  const unsupported = added.filter((op) => !supported.includes(op));
  if (unsupported.length === 0) return [];
  const field = `metadata.annotations[${OPERATION_ANNOTATION}]`;
  const allowed = `supported values for a ${obj.kind}: ${supported.map((op) => `"${op}"`).join(', ')}, joined by ";"`;
  return unsupported.map((op) => ({
    type: 'FieldValueNotSupported' as const,
    field,
    message: `Unsupported value: "${op}": ${allowed}`,
  }));
}
