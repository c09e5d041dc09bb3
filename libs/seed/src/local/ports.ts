import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:net';

/**
 * Control-plane ports come from below the kernel's ephemeral range (32768–60999 by default), so
 * that no program asking the kernel for any free port (a client socket, another `listen(0)`) is
 * handed one between its choice and its component's bind.
 */
const FIRST_PORT = 20_000;
const LAST_PORT = 32_767;

/**
 * Hands out the seed's control-plane ports: one distinct port per name, none that a control plane
 * of this seed holds (`inUse`, read from their state) or that this process handed out before, and
 * each free at the moment of the choice. Claims run one at a time, so control planes deployed in
 * parallel never share a port (with ports picked by `listen(0)` and released, 2 of 20 did).
 */
export class SeedPorts {
  private readonly handedOut = new Set<number>();
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly inUse: () => ReadonlySet<number>) {}

  claim<K extends string>(host: string, names: readonly K[]): Promise<Record<K, number>> {
    const claim = this.last.then(() => this.pick(host, names));
    this.last = claim.catch(() => undefined);
    return claim;
  }

  private async pick<K extends string>(host: string, names: readonly K[]): Promise<Record<K, number>> {
    const taken = new Set([...this.inUse(), ...this.handedOut]);
    const held: Server[] = [];
    const ports = {} as Record<K, number>;
    try {
      let candidate = randomInt(FIRST_PORT, LAST_PORT + 1);
      for (const name of names) {
        for (let tries = 0; ; tries++) {
          if (tries > LAST_PORT - FIRST_PORT) throw new Error(`no free port left on ${host}`);
          candidate = candidate >= LAST_PORT ? FIRST_PORT : candidate + 1;
          if (taken.has(candidate)) continue;
          const server = await listening(host, candidate);
          if (!server) continue;
          held.push(server);
          taken.add(candidate);
          ports[name] = candidate;
          break;
        }
      }
      for (const port of Object.values<number>(ports)) this.handedOut.add(port);
      return ports;
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  }
}

/** A listener on the port if it is free (held until closed), else undefined. */
function listening(host: string, port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}
