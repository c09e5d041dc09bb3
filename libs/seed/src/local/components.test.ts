import { describe, expect, it } from 'vitest';
import { firstServiceIP } from './components.js';

describe("the kubernetes service's ClusterIP", () => {
  it('is the first address of the service range', () => {
    expect(firstServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(firstServiceIP('100.64.255.0/24')).toBe('100.64.255.1');
  });

  it('is refused, saying why, for a range that is no network or has no room', () => {
    expect(() => firstServiceIP('10.96.0.0')).toThrow(
      'service range 10.96.0.0 is not an IPv4 CIDR: must be an IPv4 CIDR such as 10.0.0.0/16',
    );
    expect(() => firstServiceIP('10.96.0.5/12')).toThrow(/host bits zero\), e\.g\. 10\.96\.0\.0\/12/);
    expect(() => firstServiceIP('10.96.0.5/32')).toThrow(/10\.96\.0\.5\/32 .*no room for a service address/);
  });
});
