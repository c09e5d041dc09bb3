import { describe, expect, it } from 'vitest';
import { GardenctlError } from '../errors.js';
import { checkCidrs, firstHost } from './cidr.js';

function usageOf(cidrs: string[]): GardenctlError | undefined {
  try {
    checkCidrs(cidrs);
    return undefined;
  } catch (error) {
    return error instanceof GardenctlError ? error : undefined;
  }
}

describe('--cidr values', () => {
  it('takes IPv4 networks, trimmed, /32 included', () => {
    expect(checkCidrs([' 192.0.2.0/24', '198.51.100.7/32 '])).toEqual(['192.0.2.0/24', '198.51.100.7/32']);
  });

  it('refuses what is no IPv4 network, and shows the network of one with host bits set', () => {
    expect(usageOf(['10.249.5.1'])).toMatchObject({ message: 'invalid value "10.249.5.1" for flag --cidr' });
    expect(usageOf(['2001:db8::/32'])?.message).toBe('invalid value "2001:db8::/32" for flag --cidr');
    expect(usageOf(['10.249.5.1/24'])).toMatchObject({
      message: '--cidr "10.249.5.1/24" has host bits set',
      hint: 'use 10.249.5.0/24 (or your address/32)',
    });
  });

  it("the local shoot's gateway is the first host of its node network", () => {
    expect(firstHost('10.249.1.0/24')).toBe('10.249.1.1');
    expect(firstHost('10.249.1.7/32')).toBeUndefined();
    expect(firstHost('nonsense')).toBeUndefined();
  });
});
