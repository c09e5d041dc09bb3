import { ExtensionError, GardenerErrorCode, MachineError, MachineErrorCode } from '@gardener-ts/extensions';
import { MachineControllerError, MachineControllerErrorCode } from '@gardener-ts/machine';
import { describe, expect, it } from 'vitest';
import {
  gardenerCodesOf,
  isFinalShootFailure,
  onlyFinalFailures,
  ShootOperationError,
  ShootOperationErrorCode,
} from './errors.js';

const quota = new ExtensionError('quota', [GardenerErrorCode.InfraQuotaExceeded]);
const rateLimited = new MachineError(MachineErrorCode.RateLimited, 'slow down');
const busy = new MachineControllerError(MachineControllerErrorCode.Busy, 'busy');
const failure = (error: Error) => ({ taskId: 'deploy-infrastructure', error });

describe('the Gardener codes of a task error', () => {
  it.each([
    ['an ExtensionError', quota, ['ERR_INFRA_QUOTA_EXCEEDED']],
    ['a MachineError', rateLimited, ['ERR_INFRA_RATE_LIMITS_EXCEEDED']],
    ['a MachineControllerError', busy, ['ERR_RETRYABLE_INFRA_DEPENDENCIES']],
    ['a plain Error that merely has a codes field', Object.assign(new Error('x'), { codes: ['ERR_X'] }), []],
  ])('%s', (_, error, codes) => {
    expect(gardenerCodesOf(error)).toEqual(codes);
  });

  it('a flow is final only when every failure is final', () => {
    expect(onlyFinalFailures([failure(quota)])).toBe(true);
    expect(onlyFinalFailures([failure(quota), failure(busy)])).toBe(false);
    expect(onlyFinalFailures([failure(new Error('timeout'))])).toBe(false);
    expect(onlyFinalFailures([])).toBe(false);
  });
});

describe('ShootOperationError', () => {
  const failures = [failure(quota), { taskId: 'deploy-workers', error: quota }, failure(busy)];

  it('is final only when the operation Failed, and carries each code its lastErrors show once', () => {
    const failed = new ShootOperationError(ShootOperationErrorCode.Failed, 'flow failed', failures);
    const retrying = new ShootOperationError(ShootOperationErrorCode.Retrying, 'flow failed', failures);
    expect(failed.gardenerCodes).toEqual(['ERR_INFRA_QUOTA_EXCEEDED', 'ERR_RETRYABLE_INFRA_DEPENDENCIES']);
    expect([failed.final, isFinalShootFailure(failed)]).toEqual([true, true]);
    expect([retrying.final, isFinalShootFailure(retrying)]).toEqual([false, false]);
    expect(isFinalShootFailure(quota)).toBe(false);
  });
});
