import type { Shoot } from '@gardener-ts/api';

/** Gardener's summary label, shown in the STATUS column of `kubectl get shoots`. */
export const STATUS_LABEL = 'shoot.gardener.cloud/status';

export type ShootHealth = 'healthy' | 'progressing' | 'unhealthy' | 'unknown';

/** healthy: last operation succeeded and every condition is True; unhealthy: an error or a False one. */
export function shootHealth(shoot: Shoot): ShootHealth {
  const state = shoot.status?.lastOperation?.state;
  const conditions = shoot.status?.conditions ?? [];
  if (state === 'Error' || state === 'Failed') return 'unhealthy';
  if (state === 'Processing' || state === 'Pending') return 'progressing';
  if (state !== 'Succeeded') return 'unknown';
  if (shoot.status?.hibernated) return 'healthy';
  if (conditions.some((c) => c.status === 'False')) return 'unhealthy';
  if (conditions.some((c) => c.status === 'Progressing' || c.status === 'Unknown')) return 'progressing';
  return 'healthy';
}
