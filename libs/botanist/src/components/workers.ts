import { setTimeout as sleep } from 'node:timers/promises';
import type { Shoot } from '@gardener-ts/api';
import { ExtensionError, GardenerErrorCode, isRetryable } from '@gardener-ts/extensions';
import type { MachineControllerManager, WorkerContext, WorkerState } from '@gardener-ts/machine';

/** How often the machine loop runs a pass of the machine controller. */
const POLL_MS = 1_000;
/** how long retryable machine errors may last without a machine coming up before the flow reports them */
const STALLED_MS = 15_000;
/** Gardener's wait for the Worker: machines have this long to join as Ready nodes. */
const WORKERS_READY_TIMEOUT_MS = 10 * 60 * 1000;

export function hasWorkers(shoot: Shoot): boolean {
  return (shoot.spec.provider.workers ?? []).length > 0;
}

/**
 * The shoot's worker pools, as machines of the machine controller (Gardener's Worker). Between
 * flows, MachineSync runs the same controller's passes.
 */
export class Workers {
  constructor(
    private readonly machines: MachineControllerManager | undefined,
    private readonly context: () => WorkerContext,
  ) {}

  /** Nothing to deploy or wait for: no pools, and no machine controller that might hold old machines. */
  get skipped(): boolean {
    return !this.machines && !hasWorkers(this.context().shoot);
  }

  deploy(): Promise<void> {
    return this.controller().applyWorkers(this.context());
  }

  /**
   * Waits until the machines match the pools: every desired machine Running with a Ready node and
   * no machine of an old template left. A final machine error ends the wait at once.
   */
  waitReady(signal: AbortSignal, onState: (state: WorkerState) => void): Promise<void> {
    const machines = this.controller();
    const context = this.context();
    const stall = new StallWatch();
    return machineLoop(signal, {
      pass: async () => {
        const state = await machines.sync(context);
        onState(state);
        if (!state.settled) stall.throwIfFailing(state);
        return state;
      },
      done: (state) => state.settled,
      timedOut: (state) => new ExtensionError(notReadyMessage(state), workerErrorCodes(state)),
    });
  }

  /** Deletes every machine of the shoot and waits until none is left. */
  async delete(signal: AbortSignal): Promise<void> {
    // without a machine controller there can be no machines; with one, even a workerless shoot may have old ones
    const machines = this.machines;
    if (!machines) return;
    const context = this.context();
    await machineLoop(signal, {
      pass: () => machines.deleteWorkers(context),
      done: (left) => left === 0,
      timedOut: (left) =>
        new ExtensionError(`${left} machine(s) are still being deleted`, [
          GardenerErrorCode.RetryableInfraDependencies,
        ]),
    });
  }

  private controller(): MachineControllerManager {
    if (this.machines) return this.machines;
    throw new ExtensionError('this gardenlet runs no machine controller: remove spec.provider.workers', [
      GardenerErrorCode.ConfigurationProblem,
    ]);
  }
}

interface MachineLoop<T> {
  /** one pass of the machine controller */
  pass(): Promise<T>;
  done(result: T): boolean;
  timedOut(result: T): Error;
}

/** The flow's machine loop: a pass every POLL_MS until one is done, or the last one's error at the deadline. */
async function machineLoop<T>(
  signal: AbortSignal,
  loop: MachineLoop<T>,
  timeoutMs = WORKERS_READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await loop.pass();
    if (loop.done(result)) return;
    if (Date.now() > deadline) throw loop.timedOut(result);
    await sleep(POLL_MS, undefined, { signal }).catch(() => signal.throwIfAborted());
  }
}

/**
 * A machine error with a code shows in the shoot's lastErrors: a final one (quota, configuration)
 * at once, failing the operation; a retryable one (rate limits) once machines stop coming up, and
 * the flow tries again. The machine controller keeps retrying the machines meanwhile, so lifting a
 * quota or a rate limit is enough.
 */
class StallWatch {
  private lastProgress = { ready: -1, at: Date.now() };

  throwIfFailing(state: WorkerState): void {
    if (state.ready > this.lastProgress.ready) this.lastProgress = { ready: state.ready, at: Date.now() };
    const coded = state.errors.filter((e) => e.codes.length > 0);
    const final = coded.some((e) => !isRetryable(e.codes));
    if (coded.length > 0 && (final || Date.now() - this.lastProgress.at > STALLED_MS)) {
      throw new ExtensionError(coded.map((e) => `machine ${e.machine}: ${e.message}`).join('; '), [
        ...new Set(coded.flatMap((e) => e.codes)),
      ]);
    }
  }
}

function notReadyMessage(state: WorkerState): string {
  const waiting = state.machines.filter((m) => m.phase !== 'Running').map((m) => `${m.name} is ${m.phase}`);
  const errors = state.errors.map((e) => `${e.machine}: ${e.message}`);
  return `${state.ready}/${state.desired} machines are Ready: ${[...waiting, ...errors].join('; ') || 'waiting'}`;
}

/** the codes of the machines' own errors, else a retryable one: the flow tries again */
function workerErrorCodes(state: WorkerState): GardenerErrorCode[] {
  const codes = [...new Set(state.errors.flatMap((e) => e.codes))];
  return codes.length ? codes : [GardenerErrorCode.RetryableInfraDependencies];
}
