import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidr } from '@gardener-ts/api';
import { afterEach, describe, expect, it } from 'vitest';
import { MachineErrorCode } from '../../../machine/errors.js';
import { AddressPool } from './address-pool.js';

const dirs: string[] = [];
const pool = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gardener-ts-addresses-'));
  dirs.push(dir);
  return { pool: new AddressPool(join(dir, 'addresses')), dir };
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const network = (text: string) => {
  const cidr = parseCidr(text);
  if (!cidr) throw new Error(text);
  return cidr;
};

describe('node address claims', () => {
  it('gives machines claiming at once distinct addresses, never the gateway, network or broadcast', async () => {
    const nodes = network('10.251.200.0/27');
    // several pools over one directory: as separate gardenlet processes see it
    const { dir } = pool();
    const claimants = Array.from({ length: 29 }, (_, i) => ({
      name: `m${i}`,
      pool: new AddressPool(join(dir, 'addresses')),
    }));
    const addresses = await Promise.all(claimants.map((c) => c.pool.claim(c.name, nodes, '10.251.200.1')));
    expect(new Set(addresses).size).toBe(29);
    for (const reserved of ['10.251.200.0', '10.251.200.1', '10.251.200.31'])
      expect(addresses).not.toContain(reserved);
    const last = await new AddressPool(join(dir, 'addresses'))
      .claim('one-too-many', nodes, '10.251.200.1')
      .catch((error) => error);
    expect(last).toMatchObject({ code: MachineErrorCode.ResourceExhausted });
  });

  it('keeps a machine its address when it claims again, even when two claims race, and frees it on release', async () => {
    const { pool: addresses } = pool();
    const nodes = network('10.251.201.0/24');
    const [a, b] = await Promise.all([
      addresses.claim('machine', nodes, '10.251.201.1'),
      addresses.claim('machine', nodes, '10.251.201.1'),
    ]);
    expect(a).toBe(b);
    expect([...(await addresses.claims()).values()]).toEqual(['machine']);
    expect(await addresses.claim('machine', nodes, '10.251.201.1')).toBe(a);
    await addresses.release('machine');
    expect((await addresses.claims()).size).toBe(0);
    expect(await addresses.claim('other', nodes, '10.251.201.1')).toBe(a);
  });
});
