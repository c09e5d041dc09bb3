import { describe, expect, it } from 'vitest';
import { localMacAddress } from './local-infrastructure.js';

describe('localMacAddress', () => {
  it('follows from the IPv4 address, and refuses what is none', () => {
    expect(localMacAddress('10.250.0.17')).toBe('02:67:0a:fa:00:11');
    expect(() => localMacAddress('10.250.0')).toThrow('10.250.0 is not an IPv4 address');
  });
});
