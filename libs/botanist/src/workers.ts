import { clusterDnsAddress, type Shoot } from '@gardener-ts/api';
import {
  ExtensionError,
  GardenerErrorCode,
  isRetryable,
  type ProviderExtension,
} from '@gardener-ts/extensions';
import type { MachineControllerManager, WorkerContext, WorkerState } from '@gardener-ts/machine';
import type { ControlPlaneSpec } from '@gardener-ts/seed';

/** The shoot's service range; Gardener's default when the shoot names none. */
export function serviceCidrOf(shoot: Shoot): string {
  return shoot.spec.networking.services ?? '100.104.0.0/13';
}

/**
 * How the shoot's Pods run: on real nodes, with cluster DNS the seed deploys into the shoot, or
 * (nodes without a container runtime) moved through their phases by kwok.
 */
export function podsOf(
  provider: ProviderExtension,
  shoot: Shoot,
): Pick<ControlPlaneSpec, 'simulatePods' | 'coreDns'> {
  if (!hasWorkers(shoot)) return {};
  if (!provider.nodesRunPods) return { simulatePods: true };
  if (!provider.coreDnsImage) return {};
  return { coreDns: { address: clusterDnsAddress(serviceCidrOf(shoot)), image: provider.coreDnsImage } };
}

/** How often the flow looks at the machines while it waits for them. */
const POLL_MS = 1_000;
/** how long retryable machine errors may last without a machine coming up before the flow reports them */
const STALLED_MS = 15_000;
/** Gardener's wait for the Worker: machines have this long to join as Ready nodes. */
export const WORKERS_READY_TIMEOUT_MS = 10 * 60 * 1000;

export function hasWorkers(shoot: Shoot): boolean {
  return (shoot.spec.provider.workers ?? []).length > 0;
}

/**
 * Waits until the shoot's machines match its pools: every desired machine Running with a Ready
 * node and no machine of an old template left. A final machine error ends the wait at once.
 */
export async function waitWorkersReady(
  machines: MachineControllerManager,
  context: WorkerContext,
  signal: AbortSignal,
  onState: (state: WorkerState) => void,
  timeoutMs = WORKERS_READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProgress = { ready: -1, at: Date.now() };
  for (;;) {
    const state = await machines.sync(context);
    onState(state);
    if (state.settled) return;
    if (state.ready > lastProgress.ready) lastProgress = { ready: state.ready, at: Date.now() };
    // A machine error with a code shows in the shoot's lastErrors: a final one (quota,
    // configuration) at once, failing the operation; a retryable one (rate limits) once machines
    // stop coming up, and the flow tries again. The machine controller keeps retrying the
    // machines meanwhile, so lifting a quota or a rate limit is enough.
    const coded = state.errors.filter((e) => e.codes.length > 0);
    const final = coded.some((e) => !isRetryable(e.codes));
    if (coded.length > 0 && (final || Date.now() - lastProgress.at > STALLED_MS)) {
      throw new ExtensionError(coded.map((e) => `machine ${e.machine}: ${e.message}`).join('; '), [
        ...new Set(coded.flatMap((e) => e.codes)),
      ]);
    }
    if (Date.now() > deadline) throw new ExtensionError(notReadyMessage(state), workerErrorCodes(state));
    await sleep(POLL_MS, signal);
  }
}

/** Deletes every machine of the shoot and waits until none is left. */
export async function deleteWorkers(
  machines: MachineControllerManager,
  context: WorkerContext,
  signal: AbortSignal,
  timeoutMs = WORKERS_READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await machines.deleteWorkers(context);
    if (left === 0) return;
    if (Date.now() > deadline) {
      throw new ExtensionError(`${left} machine(s) are still being deleted`, [
        GardenerErrorCode.RetryableInfraDependencies,
      ]);
    }
    await sleep(POLL_MS, signal);
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}
