import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeStrict, parseFieldValidation } from './decode.js';
import { ApiError } from './errors.js';

const schema = z.strictObject({
  kind: z.literal('Thing'),
  spec: z.strictObject({ size: z.int() }),
});
const body = () => ({ kind: 'Thing', spec: { size: 1, colour: 'blue' }, extra: true });

describe('fieldValidation', () => {
  it('is Strict unless asked, and refuses a value it does not know', () => {
    expect(parseFieldValidation(undefined)).toBe('Strict');
    expect(parseFieldValidation('Warn')).toBe('Warn');
    expect(() => parseFieldValidation('warn')).toThrow(
      /fieldValidation must be one of Strict, Warn, Ignore, not "warn"/,
    );
  });

  it('Strict refuses unknown fields, naming each', () => {
    expect(() => decodeStrict(schema, body(), 'Thing')).toThrow(ApiError);
    expect(() => decodeStrict(schema, body(), 'Thing')).toThrow(
      /strict decoding error: unknown field "(spec\.colour|extra)", unknown field "(spec\.colour|extra)"/,
    );
  });

  it('Warn drops them and says so once each; Ignore drops them silently', () => {
    const warnings: string[] = [];
    const warned = decodeStrict(schema, body(), 'Thing', undefined, {
      fieldValidation: 'Warn',
      warn: (m) => warnings.push(m),
    });
    expect(warned).toEqual({ kind: 'Thing', spec: { size: 1 } });
    expect(warnings.sort()).toEqual(['unknown field "extra"', 'unknown field "spec.colour"']);
    const quiet: string[] = [];
    expect(
      decodeStrict(schema, body(), 'Thing', undefined, {
        fieldValidation: 'Ignore',
        warn: (m) => quiet.push(m),
      }),
    ).toEqual({ kind: 'Thing', spec: { size: 1 } });
    expect(quiet).toEqual([]);
  });

  it('still refuses what is wrong besides the unknown fields', () => {
    const wrong = { kind: 'Thing', spec: { size: 'big', colour: 'blue' } };
    expect(() => decodeStrict(schema, wrong, 'Thing', undefined, { fieldValidation: 'Ignore' })).toThrow(
      /spec\.size/,
    );
  });
});
