import { describe, expect, it } from 'vitest';
import { decodeStrict } from './decode.js';
import { ApiError } from './errors.js';
import { QUOTA_API_VERSION } from './kinds/groups.js';
import { BASTION_COUNT_KEY, projectQuotaSchema, quotaLimitsOf, SHOOT_COUNT_KEY } from './kinds/quota.js';
import type { KubeObject } from './meta.js';
import { OPERATION_ANNOTATION, validateOperationAnnotation } from './validation/operation.js';

function annotated(kind: string, value: string | undefined): KubeObject {
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name: 'x',
      ...(value === undefined ? {} : { annotations: { [OPERATION_ANNOTATION]: value } }),
    },
  };
}

describe('gardener.cloud/operation', () => {
  it.each(['reconcile', 'retry', 'maintain;rotate-ssh-keypair', ' reconcile ; retry '])(
    'accepts %j on a shoot',
    (value) => {
      expect(validateOperationAnnotation(annotated('Shoot', value), undefined)).toEqual([]);
    },
  );

  it.each([
    'frobnicate',
    'reconcile;frobnicate',
    'Reconcile',
    'keepalive',
    'rotate-credentials-start',
    '',
    'reconcile;',
  ])('refuses %j on a shoot, naming the field and what is supported', (value) => {
    const errors = validateOperationAnnotation(annotated('Shoot', value), undefined);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.type).toBe('FieldValueNotSupported');
    expect(errors[0]?.field).toBe('metadata.annotations[gardener.cloud/operation]');
    expect(errors[0]?.message).toMatch(/supported values for a Shoot: "reconcile", "retry"/);
  });

  it('takes only keepalive on a bastion', () => {
    expect(validateOperationAnnotation(annotated('Bastion', 'keepalive'), undefined)).toEqual([]);
    expect(validateOperationAnnotation(annotated('Bastion', 'reconcile'), undefined)).toHaveLength(1);
  });

  it('checks only what a write adds, so the gardenlet can still clear a legacy value', () => {
    const old = annotated('Shoot', 'reconcile;frobnicate');
    expect(validateOperationAnnotation(annotated('Shoot', 'frobnicate'), old)).toEqual([]);
    expect(validateOperationAnnotation(annotated('Shoot', 'frobnicate;retry'), old)).toEqual([]);
    expect(validateOperationAnnotation(annotated('Shoot', 'frobnicate;other'), old)).toHaveLength(1);
  });

  it('leaves kinds no controller reads it on alone', () => {
    expect(validateOperationAnnotation(annotated('Seed', 'renew-kubeconfig'), undefined)).toEqual([]);
  });
});

describe('ProjectQuota', () => {
  const quota = (hard: Record<string, unknown>) => ({
    apiVersion: QUOTA_API_VERSION,
    kind: 'ProjectQuota',
    metadata: { name: 'dev' },
    spec: { hard },
  });

  it('reads counts written as strings or numbers', () => {
    const decoded = decodeStrict(
      projectQuotaSchema,
      quota({ [SHOOT_COUNT_KEY]: '4', [BASTION_COUNT_KEY]: 0 }),
      'ProjectQuota',
    );
    expect(quotaLimitsOf(decoded)).toEqual({ [SHOOT_COUNT_KEY]: 4, [BASTION_COUNT_KEY]: 0 });
    expect(quotaLimitsOf(decodeStrict(projectQuotaSchema, quota({}), 'ProjectQuota'))).toEqual({});
  });

  it.each([
    ['a negative count', { [SHOOT_COUNT_KEY]: '-1' }],
    ['a word', { [SHOOT_COUNT_KEY]: 'lots' }],
    ['a fraction', { [SHOOT_COUNT_KEY]: 1.5 }],
    ['a suffixed quantity', { [SHOOT_COUNT_KEY]: '1k' }],
    ['a huge count', { [SHOOT_COUNT_KEY]: '99999999999' }],
    ['a key it does not count', { 'count/secrets': '5' }],
  ])('refuses %s', (_case, hard) => {
    expect(() => decodeStrict(projectQuotaSchema, quota(hard), 'ProjectQuota')).toThrow(ApiError);
  });

  it('reads nothing from a stored spec that does not parse', () => {
    expect(quotaLimitsOf({ spec: { hard: { [SHOOT_COUNT_KEY]: 'lots' } } })).toEqual({});
    expect(quotaLimitsOf(undefined)).toEqual({});
  });
});
