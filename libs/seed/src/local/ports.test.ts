import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SeedPorts } from './ports.js';

const NAMES = ['etcdClient', 'etcdPeer', 'controllerManager', 'scheduler', 'kwok'] as const;

describe('SeedPorts', () => {
  it('gives control planes claiming at once distinct ports below the ephemeral range', async () => {
    const ports = new SeedPorts(() => new Set());
    const claims = await Promise.all(Array.from({ length: 20 }, () => ports.claim('127.0.0.1', NAMES)));
    const all = claims.flatMap((claim) => Object.values<number>(claim));
    expect(new Set(all).size).toBe(20 * NAMES.length);
    for (const port of all) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768);
    }
  });

  it('skips the ports control planes hold and one another program listens on', async () => {
    const only = 25_000 + Math.floor(Math.random() * 1000);
    const held = new Set<number>();
    for (let port = 20_000; port < 32_768; port++) if (port !== only) held.add(port);
    expect(await new SeedPorts(() => held).claim('127.0.0.1', ['port'])).toEqual({ port: only });
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen({ host: '127.0.0.1', port: only }, resolve));
    try {
      await expect(new SeedPorts(() => held).claim('127.0.0.1', ['port'])).rejects.toThrow(
        /no free port left/,
      );
    } finally {
      listener.close();
    }
  });
});
