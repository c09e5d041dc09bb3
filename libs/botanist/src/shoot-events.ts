import { EventReason, type Shoot } from '@gardener-ts/api';
import type { EventRecorder } from '@gardener-ts/client';
import { ShootOperationError } from './errors.js';

/** The flows whose start, success and failure a shoot's events tell. */
export type RecordedFlow = 'reconcile' | 'delete' | 'hibernate' | 'wake-up';

const REASONS: Readonly<
  Record<RecordedFlow, { started: EventReason; succeeded: EventReason; failed: EventReason }>
> = {
  reconcile: {
    started: EventReason.Reconciling,
    succeeded: EventReason.Reconciled,
    failed: EventReason.ReconcileError,
  },
  hibernate: {
    started: EventReason.Reconciling,
    succeeded: EventReason.Hibernated,
    failed: EventReason.ReconcileError,
  },
  'wake-up': {
    started: EventReason.Reconciling,
    succeeded: EventReason.WokenUp,
    failed: EventReason.ReconcileError,
  },
  delete: { started: EventReason.Deleting, succeeded: EventReason.Deleted, failed: EventReason.DeleteError },
};

const MESSAGES: Readonly<Record<RecordedFlow, { started: string; succeeded: string }>> = {
  reconcile: { started: 'Reconciling Shoot cluster state', succeeded: 'Reconciled Shoot cluster state' },
  hibernate: { started: 'Hibernating Shoot cluster', succeeded: 'Shoot cluster has been hibernated' },
  'wake-up': { started: 'Waking up Shoot cluster', succeeded: 'Shoot cluster has been woken up' },
  delete: { started: 'Deleting Shoot cluster', succeeded: 'Deleted Shoot cluster' },
};

/**
 * `[ERR_…, …] Failed to reconcile Shoot cluster (will be retried): what failed` — the Gardener
 * codes first, as lastErrors carry them, then whether the job tries again.
 */
export function failureMessage(flow: RecordedFlow, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const verb = flow === 'delete' ? 'delete' : 'reconcile';
  if (!(error instanceof ShootOperationError)) return `Failed to ${verb} Shoot cluster: ${text}`;
  const codes = error.gardenerCodes;
  const prefix = codes.length > 0 ? `[${codes.join(', ')}] ` : '';
  const outlook = error.final
    ? 'Failed, not retried until the spec changes or a retry is asked for'
    : 'will be retried';
  return `${prefix}Failed to ${verb} Shoot cluster (${outlook}): ${text}`;
}

/** Records a shoot's flow as events: started, then succeeded or failed (with its error codes). */
export async function recordFlow(
  recorder: EventRecorder,
  shoot: Shoot,
  flow: RecordedFlow,
  run: () => Promise<void>,
): Promise<void> {
  recorder.event(shoot, 'Normal', REASONS[flow].started, MESSAGES[flow].started);
  try {
    await run();
  } catch (error) {
    recorder.event(shoot, 'Warning', REASONS[flow].failed, failureMessage(flow, error));
    throw error;
  }
  recorder.event(shoot, 'Normal', REASONS[flow].succeeded, MESSAGES[flow].succeeded);
}
