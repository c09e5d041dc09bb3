import { describe, expect, it } from 'vitest';
import { allocateSubnet, cidrProblem, overlaps, parseCidr } from './cidr.js';

describe('CIDR helpers', () => {
  it('parses canonical IPv4 CIDRs and rejects the rest with a reason', () => {
    expect(parseCidr('10.10.0.0/16')).toEqual({ network: 0x0a0a0000, prefix: 16 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ network: 0, prefix: 0 });
    for (const bad of [
      '10.10.0.0',
      '10.10.0.0/33',
      '256.0.0.0/8',
      '10.0.0/8',
      'fd00::/8',
      '10.0.0.0/8/1',
      '01.0.0.0/8',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
    expect(cidrProblem('10.10.7.1/24')).toContain('10.10.7.0/24');
    expect(cidrProblem('nonsense')).toContain('IPv4 CIDR');
  });

  it('detects overlap in both directions and disjoint neighbours', () => {
    expect(overlaps('10.0.0.0/8', '10.200.3.0/24')).toBe(true);
    expect(overlaps('10.200.3.0/24', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.0.0.0/24', '10.0.1.0/24')).toBe(false);
    expect(overlaps('100.64.0.0/12', '100.104.0.0/13')).toBe(false);
  });

  it('allocates the first free subnet, skipping taken and overlapping ranges, until exhausted', () => {
    expect(allocateSubnet('10.10.0.0/16', 24, [])).toBe('10.10.0.0/24');
    expect(allocateSubnet('10.10.0.0/16', 24, ['10.10.0.0/24', '10.10.1.0/24'])).toBe('10.10.2.0/24');
    expect(allocateSubnet('10.10.0.0/16', 24, ['10.10.0.0/23', '10.10.3.0/24'])).toBe('10.10.2.0/24');
    expect(allocateSubnet('10.10.0.0/23', 24, ['10.10.0.0/24', '10.10.1.0/24'])).toBeUndefined();
    expect(allocateSubnet('10.10.0.0/16', 24, ['10.0.0.0/8'])).toBeUndefined();
    expect(allocateSubnet('10.10.0.0/24', 16, [])).toBeUndefined();
  });
});
