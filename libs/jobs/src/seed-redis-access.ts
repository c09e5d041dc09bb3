import type { Redis } from 'ioredis';
import { seedKeyPrefix, seedMachineQueueName, seedQueueName } from './names.js';

/** A seed's credential as its Redis ACL user knows it: the SHA-256 of the password, hex. */
export interface SeedPasswordHash {
  readonly seedName: string;
  readonly sha256Hex: string;
}

/** The Redis ACL user of a seed's gardenlets. */
export function seedRedisUser(queuePrefix: string, seedName: string): string {
  return `${queuePrefix}.gardenlet.${seedName}`;
}

/**
 * What a gardenlet may run: data commands on its own keys only. No key-less command that reaches
 * other keys or the server (KEYS, SCAN, FLUSH*, CONFIG, ACL, CLIENT LIST/KILL, MONITOR, SCRIPT
 * FLUSH, FUNCTION, SELECT…), no pub/sub channel. INFO stays: BullMQ reads the server's version.
 */
const COMMANDS = [
  '+@all',
  '-@dangerous',
  '-@admin',
  '-@pubsub',
  '+info',
  '-scan',
  '-randomkey',
  '-select',
  '-swapdb',
  '-function',
  '-script|flush',
  '-script|kill',
  '-client',
  '+client|setname',
  '+client|getname',
  '+client|id',
  '+client|info',
];

function keyPatterns(queuePrefix: string, seedName: string): string[] {
  return [seedQueueName(seedName), seedMachineQueueName(seedName)]
    .map((queue) => `~${queuePrefix}:${queue}:*`)
    .concat(`~${seedKeyPrefix(queuePrefix, seedName)}:*`);
}

/**
 * Keeps one Redis ACL user per seed credential, so that a gardenlet reaches its own seed's queues
 * and keys and no other's. Redis keeps ACL users in memory only: `ensureAll` is run at start and every
 * so often, and re-creates what a Redis restart lost. The password is never sent, only its hash.
 */
export class SeedRedisAccess {
  constructor(
    private readonly redis: Redis,
    private readonly queuePrefix: string,
  ) {}

  async ensure(credential: SeedPasswordHash): Promise<void> {
    const { seedName, sha256Hex } = credential;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(seedName) || !/^[0-9a-f]{64}$/.test(sha256Hex))
      throw new Error(`refusing a Redis ACL user for seed "${seedName}": bad name or hash`);
    await this.redis.call(
      'ACL',
      'SETUSER',
      seedRedisUser(this.queuePrefix, seedName),
      'reset',
      'on',
      `#${sha256Hex}`,
      'resetchannels',
      ...keyPatterns(this.queuePrefix, seedName),
      ...COMMANDS,
    );
  }

  /** Deletes the seed's ACL user (its seed is gone) and drops its open connections. */
  async remove(seedName: string): Promise<void> {
    await this.redis.call('ACL', 'DELUSER', seedRedisUser(this.queuePrefix, seedName));
  }

  /**
   * Makes or refreshes the ACL user of every credential given. Users of seeds without a credential
   * are only deleted by `remove` (other gardens may share the Redis under other prefixes); a seed's
   * new credential replaces the old password at once (`reset`).
   */
  async ensureAll(credentials: readonly SeedPasswordHash[]): Promise<void> {
    for (const credential of credentials) await this.ensure(credential);
  }
}
