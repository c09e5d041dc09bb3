import { timestamp } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { type Conditions, type Verdict, withCondition, withGracePeriod } from './conditions.js';

const failing: Verdict = {
  type: 'APIServerAvailable',
  status: 'False',
  reason: 'HealthzRequestFailed',
  message: 'connection refused',
};
const MINUTE = 60_000;
const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, 0) + ms);

/** one check: the verdict after its grace period, and the conditions as written */
function check(conditions: Conditions | undefined, verdict: Verdict, now: Date, thresholdMs = MINUTE) {
  const graced = withGracePeriod(verdict, conditions, thresholdMs, now);
  return withCondition(conditions, graced.type, graced.status, graced.reason, graced.message, now);
}

describe('the Progressing grace period of health conditions', () => {
  const healthy = withCondition(undefined, failing.type, 'True', 'HealthzRequestSucceeded', 'ok', at(0));

  it('a failing check first shows Progressing with its reason, then False once the threshold has passed', () => {
    const first = check(healthy, failing, at(10_000));
    expect(first[0]).toMatchObject({ status: 'Progressing', reason: 'HealthzRequestFailed' });
    const stillWithin = check(first, failing, at(10_000 + MINUTE - 1));
    expect(stillWithin[0]?.status).toBe('Progressing');
    const after = check(stillWithin, failing, at(10_000 + MINUTE));
    expect(after[0]).toMatchObject({ status: 'False', message: 'connection refused' });
    expect(after[0]?.lastTransitionTime).toBe(timestamp(at(10_000 + MINUTE)));
  });

  it('a False condition stays False, and a recovery is True at once', () => {
    const broken = check(healthy, failing, at(0), 0);
    expect(broken[0]?.status).toBe('False');
    expect(check(broken, failing, at(1000))[0]?.status).toBe('False');
    const recovered = { ...failing, status: 'True' as const, reason: 'HealthzRequestSucceeded' };
    expect(check(broken, recovered, at(2000))[0]?.status).toBe('True');
  });

  it('a check that recovers within the grace period never shows False', () => {
    const progressing = check(healthy, failing, at(0));
    const recovered = check(progressing, { ...failing, status: 'True' }, at(30_000));
    expect(recovered[0]?.status).toBe('True');
    expect(check(recovered, failing, at(40_000))[0]?.status).toBe('Progressing');
  });
});
