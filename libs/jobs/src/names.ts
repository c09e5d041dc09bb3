/** BullMQ keys are joined with `:`, so queue names and job ids never contain one. */
export function seedQueueName(seedName: string): string {
  return `shoots.${assertNoColon(seedName)}`;
}

/** The seed's machine jobs (libs/machine's BullMQ queue). */
export function seedMachineQueueName(seedName: string): string {
  return `machines.${assertNoColon(seedName)}`;
}

/**
 * Every other key a seed's gardenlet uses (pending marks, leases, locks) starts with this, so that
 * a Redis ACL can give each seed its own keys and nothing else (seed-redis-access.ts).
 */
export function seedKeyPrefix(queuePrefix: string, seedName: string): string {
  return `${queuePrefix}:seed.${assertNoColon(seedName)}`;
}

/** One live job per shoot: its id is the shoot's uid. */
export function shootJobId(uid: string): string {
  return assertNoColon(uid);
}

function assertNoColon(value: string): string {
  if (!value || value.includes(':'))
    throw new Error(`"${value}" cannot name a queue or job (empty or contains ":")`);
  return value;
}

export interface ShootRef {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}
