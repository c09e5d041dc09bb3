import {
  BASTION_KEEPALIVE_OPERATION,
  BASTION_MAX_LIFETIME_MS,
  BASTION_TIME_TO_LIVE_MS,
  type Bastion,
  bastionExpiry,
  OPERATION_ANNOTATION,
  operationsIn,
  type Shoot,
} from '@gardener-ts/api';

export interface Lifetime {
  readonly timeToLiveMs: number;
  readonly maxLifetimeMs: number;
}

export const DEFAULT_LIFETIME: Lifetime = {
  timeToLiveMs: BASTION_TIME_TO_LIVE_MS,
  maxLifetimeMs: BASTION_MAX_LIFETIME_MS,
};

/** the operations in the annotation, `;`-separated as Gardener writes them */
export function operationsOf(bastion: Bastion): string[] {
  return operationsIn(bastion.metadata.annotations?.[OPERATION_ANNOTATION]);
}

export function keepaliveRequested(bastion: Bastion): boolean {
  return operationsOf(bastion).includes(BASTION_KEEPALIVE_OPERATION);
}

/** The annotation's value once keepalive is acted on: null removes it. */
export function annotationWithoutKeepalive(bastion: Bastion): string | null {
  const left = operationsOf(bastion).filter((op) => op !== BASTION_KEEPALIVE_OPERATION);
  return left.length > 0 ? left.join(';') : null;
}

/** When the bastion expires, from its heartbeat (or creation) and the lifetime rules. */
export function expiryOf(bastion: Bastion, lifetime: Lifetime): Date {
  return bastionExpiry(bastion, lifetime.timeToLiveMs, lifetime.maxLifetimeMs);
}

/** Why the bastion must go though nobody deleted it, or undefined while it may stay. */
export function reasonToRemove(
  bastion: Bastion,
  shoot: Shoot | undefined,
  lifetime: Lifetime,
  now: Date,
): string | undefined {
  const shootName = bastion.spec.shootRef.name;
  if (!shoot) return `its shoot "${shootName}" is gone`;
  const owner = bastion.metadata.ownerReferences?.find((o) => o.kind === 'Shoot');
  if (owner?.uid && shoot.metadata.uid && owner.uid !== shoot.metadata.uid)
    return `its shoot "${shootName}" was deleted (a new one has that name)`;
  if (shoot.metadata.deletionTimestamp) return `its shoot "${shootName}" is being deleted`;
  if (shoot.spec.hibernation?.enabled) return `its shoot "${shootName}" is hibernated`;
  if (now.getTime() >= expiryOf(bastion, lifetime).getTime()) return 'it expired (no keepalive)';
  return undefined;
}
