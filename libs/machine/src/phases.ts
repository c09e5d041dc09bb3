import { type Machine, type MachinePhase, timestamp } from '@gardener-ts/api';
import { formatDuration } from './durations.js';
import { isDeleting } from './objects.js';
import type { NodeInfo } from './shoot-nodes.js';

type LastOperation = NonNullable<NonNullable<Machine['status']>['lastOperation']>;

export interface MachineTimeouts {
  readonly creationMs: number;
  readonly healthMs: number;
}

/** A status change as a merge patch: the phase (with the time it was entered) and the last operation. */
export interface PhaseChange {
  readonly phase: MachinePhase;
  readonly lastOperation: Omit<LastOperation, 'lastUpdateTime'>;
}

export function phaseOf(machine: Machine): MachinePhase {
  if (isDeleting(machine)) return 'Terminating';
  return machine.status?.currentStatus?.phase ?? 'Pending';
}

/** When the machine entered its phase (precise: MCM's currentStatus.lastUpdateTime). */
export function phaseSince(machine: Machine): number {
  const since = machine.status?.currentStatus?.lastUpdateTime ?? machine.metadata.creationTimestamp;
  return since ? Date.parse(since) : 0;
}

export function nodeNameOf(machine: Machine): string {
  return machine.status?.node ?? machine.metadata.name ?? '';
}

export function statusPatch(change: PhaseChange, now: Date): Record<string, unknown> {
  const time = timestamp(now);
  return {
    currentStatus: {
      phase: change.phase,
      lastUpdateTime: time,
      timeoutActive: change.phase === 'Pending' || change.phase === 'Unknown',
    },
    lastOperation: { errorCode: null, ...change.lastOperation, lastUpdateTime: time },
  };
}

/**
 * What the machine's Node says about it (MCM's health check). `nodes` is undefined when the
 * shoot's API server could not be read: then nothing that depends on the Node changes. An
 * Unknown machine past its health timeout is only reported here (`overdue`); whether it is
 * failed depends on the rest of its deployment.
 */
export function observePhase(
  machine: Machine,
  nodes: ReadonlyMap<string, NodeInfo> | undefined,
  now: Date,
  timeouts: MachineTimeouts,
): PhaseChange | 'overdue' | undefined {
  const name = machine.metadata.name ?? '';
  const phase = phaseOf(machine);
  const age = now.getTime() - phaseSince(machine);
  const created = Boolean(machine.spec.providerID);
  const node = nodes?.get(nodeNameOf(machine));
  if (phase === 'Pending' || phase === 'Available') {
    if (created && node?.ready) {
      return {
        phase: 'Running',
        lastOperation: {
          type: 'Create',
          state: 'Successful',
          description: `Machine ${name} joined the cluster as node ${node.name} and is Ready`,
        },
      };
    }
    if (age > timeouts.creationMs && (nodes || !created)) {
      return {
        phase: 'Failed',
        lastOperation: {
          type: 'Create',
          state: 'Failed',
          description: `Machine ${name} did not join the cluster as a Ready node within the creation timeout of ${formatDuration(timeouts.creationMs)}`,
        },
      };
    }
    return undefined;
  }
  if (!nodes) return undefined;
  if (phase === 'Running' && !node?.ready) {
    return {
      phase: 'Unknown',
      lastOperation: {
        type: 'HealthCheck',
        state: 'Processing',
        description: node
          ? `Node ${node.name} is not Ready; the machine is replaced if it stays so for ${formatDuration(timeouts.healthMs)}`
          : `Node ${nodeNameOf(machine)} is gone; the machine is replaced if it does not come back within ${formatDuration(timeouts.healthMs)}`,
      },
    };
  }
  if (phase === 'Unknown' && node?.ready) {
    return {
      phase: 'Running',
      lastOperation: {
        type: 'HealthCheck',
        state: 'Successful',
        description: `Node ${node.name} is Ready again`,
      },
    };
  }
  if (phase === 'Unknown' && age > timeouts.healthMs) return 'overdue';
  return undefined;
}

export function healthTimeoutFailure(machine: Machine, timeouts: MachineTimeouts): PhaseChange {
  return {
    phase: 'Failed',
    lastOperation: {
      type: 'HealthCheck',
      state: 'Failed',
      description: `Machine ${machine.metadata.name} was unhealthy (its node not Ready) for longer than the health timeout of ${formatDuration(timeouts.healthMs)}`,
    },
  };
}

const SCALE_DOWN_RANK: Record<MachinePhase, number> = {
  Terminating: 0,
  Failed: 1,
  Unknown: 2,
  Pending: 3,
  Available: 4,
  Running: 5,
};

/** MCM's scale-down order: Terminating > Failed > Unknown > Pending > Running, then the oldest. */
export function scaleDownOrder(a: Machine, b: Machine): number {
  const rank = SCALE_DOWN_RANK[phaseOf(a)] - SCALE_DOWN_RANK[phaseOf(b)];
  if (rank !== 0) return rank;
  const age = (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  return age !== 0 ? age : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
