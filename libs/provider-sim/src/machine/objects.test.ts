import { describe, expect, it } from 'vitest';
import { internalAddress } from './objects.js';

describe("a sim machine's InternalIP", () => {
  it('is a host of the node network picked by the name, as before ipaddr.js', () => {
    expect(internalAddress('m-a')).toBe('10.250.219.126');
    expect(internalAddress('m-b', '10.1.2.0/24')).toBe('10.1.2.77');
    expect(internalAddress('m-c', '10.1.2.9/24')).toBe('10.1.2.186');
    expect(internalAddress('m-d', '10.1.2.0/29')).toBe('10.1.2.3');
  });

  it('falls back to the default node network when the given one is too small or no network', () => {
    expect(internalAddress('m-e', '10.1.2.0/30')).toBe('10.250.115.236');
    expect(internalAddress('m-f', 'nonsense')).toBe('10.250.116.167');
  });
});
