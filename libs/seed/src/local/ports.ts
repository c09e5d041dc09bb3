import { createServer, type Server } from 'node:net';

/**
 * Asks the kernel for one distinct free TCP port per name on `host`. All listeners stay open until
 * every port is known, so the ports differ from each other; another program may still take one
 * before the component binds it; the supervisor's restart then retries on the same port.
 */
export async function freePorts<K extends string>(
  host: string,
  names: readonly K[],
): Promise<Record<K, number>> {
  const servers: Server[] = [];
  try {
    const ports = {} as Record<K, number>;
    for (const name of names) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: 0, exclusive: true }, () => resolve());
      });
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no port assigned');
      ports[name] = address.port;
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
