import type { Shoot } from '@gardener-ts/api';

export type Conditions = NonNullable<NonNullable<Shoot['status']>['conditions']>;
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Sets one condition; lastTransitionTime moves only when the status changes. */
export function withCondition(
  conditions: Conditions | undefined,
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  now = new Date(),
): Conditions {
  const stamp = now.toISOString();
  const previous = conditions?.find((c) => c.type === type);
  const lastTransitionTime = previous?.status === status ? (previous.lastTransitionTime ?? stamp) : stamp;
  const others = (conditions ?? []).filter((c) => c.type !== type);
  return [...others, { type, status, reason, message, lastTransitionTime, lastUpdateTime: stamp }];
}

/** True when applying the change would alter what a user sees (not just timestamps). */
export function conditionChanged(
  conditions: Conditions | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
) {
  const current = conditions?.find((c) => c.type === type);
  return current?.status !== status || current.reason !== reason || current.message !== message;
}
