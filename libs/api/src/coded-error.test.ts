import { describe, expect, it } from 'vitest';
import { CodedError } from './coded-error.js';
import { ApiError, ApiErrorCode } from './errors.js';

enum DemoCode {
  Broken = 'DEMO_BROKEN',
}
class DemoError extends CodedError<DemoCode> {}
class NarrowDemoError extends DemoError {}

describe('CodedError', () => {
  it('is named after the class thrown and keeps its code, message and cause', () => {
    const cause = new Error('disk full');
    const error = new DemoError(DemoCode.Broken, 'cannot write', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CodedError);
    expect(error.name).toBe('DemoError');
    expect(error.code).toBe(DemoCode.Broken);
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('DemoError: cannot write');
    expect(error.stack).toMatch(/^DemoError: cannot write/);
  });

  it('a subclass of a subclass is still an instance of both, under its own name', () => {
    const error = new NarrowDemoError(DemoCode.Broken, 'x');
    expect(error).toBeInstanceOf(DemoError);
    expect(error.name).toBe('NarrowDemoError');
  });

  it('the libraries’ errors keep their names and extra fields', () => {
    const error = new ApiError(ApiErrorCode.NotFound, 'gone', { kind: 'Shoot', name: 'a' });
    expect(error.name).toBe('ApiError');
    expect(error.details).toEqual({ kind: 'Shoot', name: 'a' });
    expect(error.cause).toBeUndefined();
  });
});
