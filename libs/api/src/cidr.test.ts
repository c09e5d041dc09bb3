import { describe, expect, it } from 'vitest';
import {
  addressInCidr,
  allocateSubnet,
  cidrContains,
  cidrProblem,
  clusterDnsAddress,
  formatCidr,
  formatIPv4,
  hostAddress,
  ipv4Bytes,
  networkOf,
  overlaps,
  parseCidr,
  parseIPv4,
} from './cidr.js';

function cidr(text: string) {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`test CIDR ${text} does not parse`);
  return parsed;
}

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

  it('explains each kind of bad input', () => {
    const notACidr = 'must be an IPv4 CIDR such as 10.0.0.0/16';
    for (const bad of ['', 'nonsense', '10.0.0.0', '10.0.0.0/33', '10.0.0.0/016', ' 10.0.0.0/8', '1.2.3/8']) {
      expect(cidrProblem(bad), bad).toBe(notACidr);
    }
    expect(cidrProblem('fd00::/8')).toBe(notACidr);
    expect(cidrProblem('10.10.7.1/24')).toBe('must be a network address (host bits zero), e.g. 10.10.7.0/24');
    expect(cidrProblem('192.0.2.7/32')).toBeUndefined();
    expect(cidrProblem('10.0.0.0/8')).toBeUndefined();
  });

  it('overlaps: identical, nested, adjacent, /32 and /0', () => {
    expect(overlaps('10.0.0.0/24', '10.0.0.0/24')).toBe(true);
    expect(overlaps('10.0.0.0/23', '10.0.1.0/24')).toBe(true);
    expect(overlaps('10.0.0.255/32', '10.0.1.0/24')).toBe(false);
    expect(overlaps('10.0.1.0/32', '10.0.1.0/24')).toBe(true);
    expect(overlaps('0.0.0.0/0', '203.0.113.9/32')).toBe(true);
    expect(overlaps('10.0.0.0/24', 'not-a-cidr')).toBe(false);
    expect(overlaps('255.255.255.0/24', '255.255.255.128/25')).toBe(true);
    expect(overlaps('255.255.254.0/24', '255.255.255.0/24')).toBe(false);
  });

  it('parses the same text to the same answer every time (parses are kept)', () => {
    for (let round = 0; round < 2; round++) {
      expect(parseCidr('10.10.7.1/24'), 'host bits set').toBeUndefined();
      expect(parseCidr('10.10.7.0/24')).toEqual({ network: 0x0a0a0700, prefix: 24 });
      expect(parseCidr('255.255.255.255/32')).toEqual({ network: 0xffffffff, prefix: 32 });
    }
  });

  it('containment goes one way only', () => {
    expect(cidrContains(cidr('10.250.0.0/16'), cidr('10.250.3.0/24'))).toBe(true);
    expect(cidrContains(cidr('10.250.3.0/24'), cidr('10.250.0.0/16'))).toBe(false);
    expect(cidrContains(cidr('10.250.3.0/24'), cidr('10.250.3.255/32'))).toBe(true);
    expect(cidrContains(cidr('10.250.3.0/24'), cidr('10.250.4.0/32'))).toBe(false);
    expect(cidrContains(cidr('0.0.0.0/0'), cidr('255.255.255.255/32'))).toBe(true);
  });

  it('addresses inside a network, and none past its end', () => {
    expect(clusterDnsAddress('10.96.0.0/12')).toBe('10.96.0.10');
    expect(hostAddress('10.249.1.0/24', 1)).toBe('10.249.1.1');
    expect(hostAddress('10.249.1.0/24', 255)).toBe('10.249.1.255');
    expect(hostAddress('10.249.1.0/24', 256)).toBeUndefined();
    expect(hostAddress('10.249.1.7/32', 0)).toBe('10.249.1.7');
    expect(hostAddress('10.249.1.7/32', 1)).toBeUndefined();
    expect(hostAddress('10.249.1.1/24', 1)).toBeUndefined();
    expect(() => addressInCidr('10.0.0.0/30', 4)).toThrow('10.0.0.0/30 has no address 4 hosts in');
  });

  it('reads and writes addresses and networks', () => {
    expect(parseIPv4('10.10.0.1')).toBe(0x0a0a0001);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['10.10.0', '10.10.0.256', '010.0.0.1', '0x0a.0.0.1', '::1']) {
      expect(parseIPv4(bad), bad).toBeUndefined();
    }
    expect(formatIPv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatCidr({ network: 0x0a0a0000, prefix: 16 })).toBe('10.10.0.0/16');
    expect(ipv4Bytes('10.250.0.17')).toEqual([10, 250, 0, 17]);
    expect(ipv4Bytes('10.250.0')).toBeUndefined();
    expect(networkOf('10.10.7.1/24')).toBe('10.10.7.0/24');
    expect(networkOf('10.10.7.1/32')).toBe('10.10.7.1/32');
    expect(networkOf('10.10.7.1')).toBeUndefined();
  });
});
