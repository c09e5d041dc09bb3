import { ApiError, ApiErrorCode } from '@gardener-ts/api';
import { AuthError, AuthErrorCode } from '@gardener-ts/auth';
import { StoreError, StoreErrorCode } from '@gardener-ts/store';
import { describe, expect, it } from 'vitest';
import { toStatus } from './status.js';

describe('error → Status mapping', () => {
  it.each(Object.values(ApiErrorCode))('maps ApiErrorCode.%s to a Status with its reason', (code) => {
    const status = toStatus(new ApiError(code, 'what went wrong'));
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'what went wrong',
    });
    expect(status.code).toBeGreaterThanOrEqual(code === ApiErrorCode.Internal ? 500 : 400);
    if (code !== ApiErrorCode.Internal) expect(status.code).toBeLessThan(500);
  });

  it.each(Object.values(StoreErrorCode))('maps StoreErrorCode.%s', (code) => {
    const status = toStatus(new StoreError(code, 'detail'));
    const serverSide = code === StoreErrorCode.KeyFile || code === StoreErrorCode.Decryption;
    expect(status.code >= 500).toBe(serverSide);
    // server-side store failures never leak their detail to clients
    if (serverSide) expect(status.message).not.toContain('detail');
  });

  it.each(Object.values(AuthErrorCode))('maps AuthErrorCode.%s', (code) => {
    const status = toStatus(new AuthError(code, 'detail'));
    const serverSide = code === AuthErrorCode.TokenFile;
    expect(status.code >= 500).toBe(serverSide);
    if (code === AuthErrorCode.Unauthenticated)
      expect(status).toMatchObject({ code: 401, reason: 'Unauthorized' });
    if (code === AuthErrorCode.Forbidden) expect(status).toMatchObject({ code: 403, reason: 'Forbidden' });
    if (serverSide) expect(status.message).not.toContain('detail');
  });

  it('carries field causes and hides unknown errors', () => {
    const invalid = toStatus(
      new ApiError(ApiErrorCode.Invalid, 'bad', {
        kind: 'Shoot',
        name: 'x',
        causes: [{ type: 'FieldValueInvalid', field: 'spec.region', message: 'nope' }],
      }),
    );
    expect(invalid).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: {
        kind: 'Shoot',
        name: 'x',
        causes: [{ reason: 'FieldValueInvalid', field: 'spec.region', message: 'nope' }],
      },
    });
    expect(toStatus(new Error('secret internals'))).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: 'an internal error occurred',
    });
    expect(
      toStatus({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' }),
    ).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge' });
  });
});
