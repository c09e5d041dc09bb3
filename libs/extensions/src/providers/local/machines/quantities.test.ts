import { describe, expect, it } from 'vitest';
import { parseBytes, parseMillicores } from './quantities.js';

describe('resource quantities', () => {
  it('reads CPU as millicores', () => {
    expect(parseMillicores('2')).toBe(2000);
    expect(parseMillicores('500m')).toBe(500);
    expect(parseMillicores('1.5')).toBe(1500);
    for (const bad of ['0', '', 'two', '1Gi', '0.0001', '-1'])
      expect(parseMillicores(bad), bad).toBeUndefined();
  });

  it('reads memory as bytes, binary and decimal suffixes', () => {
    expect(parseBytes('1Gi')).toBe(2 ** 30);
    expect(parseBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(parseBytes('1G')).toBe(1e9);
    expect(parseBytes('1024')).toBe(1024);
    for (const bad of ['0', 'lots', '1Xi', '', '500m']) expect(parseBytes(bad), bad).toBeUndefined();
  });
});
