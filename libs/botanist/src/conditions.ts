import { type ConditionStatus, type Shoot, withCondition } from '@gardener-ts/api';

export type { ConditionStatus } from '@gardener-ts/api';
export { withCondition } from '@gardener-ts/api';
export type Conditions = NonNullable<NonNullable<Shoot['status']>['conditions']>;

/** What a health check found for one condition. */
export interface Verdict {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** Gardener's default grace periods (gardenlet's shootCare.conditionThresholds), in ms. */
export const DEFAULT_CONDITION_THRESHOLDS: Readonly<Record<string, number>> = {
  APIServerAvailable: 60_000,
  ControlPlaneHealthy: 60_000,
  SystemComponentsHealthy: 60_000,
  EveryNodeReady: 300_000,
};

/**
 * As Gardener's care does: a check that starts failing makes its condition Progressing (with the
 * failure's reason and message); only once it has stayed Progressing for the condition's threshold
 * does it turn False. A threshold of 0 turns it False at once.
 */
export function withGracePeriod(
  verdict: Verdict,
  conditions: Conditions | undefined,
  thresholdMs: number,
  now = new Date(),
): Verdict {
  if (verdict.status !== 'False' || thresholdMs <= 0) return verdict;
  const previous = conditions?.find((c) => c.type === verdict.type);
  if (previous?.status === 'False') return verdict;
  if (previous?.status === 'Progressing') {
    const since = Date.parse(previous.lastTransitionTime ?? '');
    if (Number.isFinite(since) && now.getTime() - since >= thresholdMs) return verdict;
  }
  return { ...verdict, status: 'Progressing' };
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

/** The conditions a succeeded reconcile vouches for; care keeps them up to date afterwards. */
export function reconciledConditions(conditions: Conditions | undefined, withNodes: boolean): Conditions {
  const verdicts: Verdict[] = [
    {
      type: 'APIServerAvailable',
      status: 'True',
      reason: 'HealthzRequestSucceeded',
      message: 'API server /readyz endpoint responded with success status code.',
    },
    {
      type: 'ControlPlaneHealthy',
      status: 'True',
      reason: 'ControlPlaneRunning',
      message: 'All control plane components are running.',
    },
  ];
  if (withNodes) {
    verdicts.push({
      type: 'EveryNodeReady',
      status: 'True',
      reason: 'EveryNodeReady',
      message: 'All nodes are Ready.',
    });
  }
  return withVerdicts(conditions, verdicts);
}

export function hibernatedConditions(conditions: Conditions | undefined): Conditions {
  const hibernated = { status: 'False', reason: 'Hibernated', message: 'The shoot is hibernated.' } as const;
  return withVerdicts(conditions, [
    { type: 'APIServerAvailable', ...hibernated },
    { type: 'ControlPlaneHealthy', ...hibernated },
  ]);
}

function withVerdicts(conditions: Conditions | undefined, verdicts: readonly Verdict[]): Conditions {
  return verdicts.reduce<Conditions>(
    (all, v) => withCondition(all, v.type, v.status, v.reason, v.message),
    conditions ?? [],
  );
}
