import { type LastOperation, requireResourceByKind, type Shoot, timestamp } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import type { TaskFailure } from '@gardener-ts/flow';
import { gardenerCodesOf } from './errors.js';
import { STATUS_LABEL, shootHealth } from './status-label.js';

export const SHOOT = requireResourceByKind('Shoot');

export type OperationType = LastOperation['type'];

/** Writes a shoot's status subresource (re-read on conflicts by the client): status is the gardenlet's alone. */
export class ShootStatusWriter {
  constructor(
    private readonly client: GardenClient,
    private readonly namespace: string,
    private readonly name: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  read(): Promise<Shoot> {
    return this.client.get('Shoot', this.key());
  }

  /** Changes the status and keeps the shoot's status label in step with it. */
  async update(change: (status: NonNullable<Shoot['status']>, shoot: Shoot) => void): Promise<Shoot> {
    const updated = await this.client.updateStatus('Shoot', this.key(), (status, shoot) => {
      change(status, shoot);
    });
    await this.syncStatusLabel(updated);
    return updated;
  }

  private key() {
    return { namespace: this.namespace, name: this.name };
  }

  private async syncStatusLabel(shoot: Shoot): Promise<void> {
    const health = shootHealth(shoot);
    if (shoot.metadata.labels?.[STATUS_LABEL] === health) return;
    await this.client.patch('Shoot', this.key(), 'merge', {
      metadata: { labels: { [STATUS_LABEL]: health } },
    });
  }

  progress(type: OperationType, percent: number, description: string): Promise<Shoot> {
    return this.update((status) => {
      const previous = status.lastOperation;
      // a retried operation never shows less progress than it already showed
      const floor = previous?.type === type && previous.state !== 'Succeeded' ? previous.progress : 0;
      // a Failed operation runs again only because a user asked (spec change, retry): a new cycle
      if (previous?.state === 'Failed') delete status.retryCycleStartTime;
      status.lastOperation = {
        type,
        state: 'Processing',
        progress: Math.max(percent, floor),
        description,
        lastUpdateTime: this.stamp(),
      };
    });
  }

  succeeded(type: OperationType, description: string, extra: (status: NonNullable<Shoot['status']>) => void) {
    return this.update((status, shoot) => {
      status.lastOperation = {
        type,
        state: 'Succeeded',
        progress: 100,
        description,
        lastUpdateTime: this.stamp(),
      };
      delete status.lastErrors;
      delete status.retryCycleStartTime;
      status.observedGeneration = shoot.metadata.generation;
      extra(status);
    });
  }

  /**
   * A failed flow: Error while it will be retried; Failed when the cause is final or the retry
   * cycle (from the first failure) is older than the retry window. Returns whether it is final.
   */
  async failed(
    type: OperationType,
    failures: readonly TaskFailure[],
    options: { finalCause: boolean; progress: number; retryWindowMs: number },
  ): Promise<boolean> {
    let final = options.finalCause;
    await this.update((status, shoot) => {
      const now = this.stamp();
      status.retryCycleStartTime ??= now;
      final =
        options.finalCause ||
        Date.parse(now) - Date.parse(status.retryCycleStartTime) > options.retryWindowMs;
      // the spec was seen and given up on: only a new generation or an operation restarts it
      if (final) status.observedGeneration = shoot.metadata.generation;
      const summary = failures.map((f) => `${f.taskId}: ${f.error.message}`).join('; ');
      status.lastOperation = {
        type,
        state: final ? 'Failed' : 'Error',
        progress: options.progress,
        description: final ? summary : `${summary} (will be retried)`,
        lastUpdateTime: now,
      };
      status.lastErrors = failures.map((f) => ({
        taskID: f.taskId,
        description: f.error.message,
        codes: [...gardenerCodesOf(f.error)],
        lastUpdateTime: now,
      }));
    });
    return final;
  }

  private stamp(): string {
    return timestamp(this.now());
  }
}
