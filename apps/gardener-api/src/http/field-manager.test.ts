import { ApiError } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { fieldManagerOf, patchOptionsErrors } from './field-manager.js';

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('field managers', () => {
  it('takes ?fieldManager=, else the User-Agent up to its first slash', () => {
    expect(fieldManagerOf({ fieldManager: 'ci' }, 'kubectl/v1.34.4')).toBe('ci');
    expect(fieldManagerOf({}, 'kubectl-edit/v1.34.4 (linux/amd64) kubernetes/abc')).toBe('kubectl-edit');
    expect(fieldManagerOf({}, undefined)).toBe('');
    expect(fieldManagerOf({}, `${'x'.repeat(200)}/1`)).toHaveLength(128);
    expect(fieldManagerOf({}, 'bad\u0007agent/1')).toBe('badagent');
  });

  it('refuses a named manager that is too long or unprintable (422)', () => {
    expect(refusal(() => fieldManagerOf({ fieldManager: 'm'.repeat(129) }, undefined)).code).toBe('Invalid');
    const error = refusal(() => fieldManagerOf({ fieldManager: 'a\nb' }, undefined));
    expect(error.message).toMatch(
      /fieldManager: Invalid value: "a\\nb": must only contain printable characters/,
    );
  });

  it('checks PatchOptions as kube-apiserver: an apply needs a manager, force is for applies only', () => {
    expect(refusal(() => patchOptionsErrors({}, true)).message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    expect(refusal(() => patchOptionsErrors({ force: 'true' }, false)).message).toMatch(
      /force: Forbidden: may not be specified for non-apply patch/,
    );
    expect(() => patchOptionsErrors({ fieldManager: 'ci', force: 'false' }, true)).not.toThrow();
    expect(() => patchOptionsErrors({}, false)).not.toThrow();
  });
});
