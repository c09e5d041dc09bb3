import type { ProviderConfigs } from '@gardener-ts/extensions';

export const SIM_API_VERSION = 'sim.provider.gardener-ts.io/v1alpha1';

/** Failures a worker pool can ask the sim cloud to inject into its machines' creation. */
export const SIM_FAULTS = ['QuotaExceeded', 'RateLimited', 'CreationTimeout'] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

/** a latency above this is a typo, not a simulation */
export const MAX_LATENCY_MS = 3_600_000;

/** A worker pool's `providerConfig` (kind WorkerConfig), defaults applied. */
export interface SimWorkerConfig {
  /** how long a created machine boots: its Node is registered at once, NotReady until then */
  readonly createLatencyMs: number;
  /** how long deleting a machine takes before its Node is gone */
  readonly deleteLatencyMs: number;
  /**
   * QuotaExceeded / RateLimited: create fails before anything exists; CreationTimeout: the
   * machine is created but its Node never becomes Ready
   */
  readonly fault?: SimFault;
}

type FieldCheck = (value: unknown) => string | undefined;

const latency: FieldCheck = (value) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_LATENCY_MS
    ? undefined
    : `must be an integer number of milliseconds from 0 to ${MAX_LATENCY_MS}`;

const fault: FieldCheck = (value) =>
  SIM_FAULTS.includes(value as SimFault) ? undefined : `must be one of ${SIM_FAULTS.join(', ')}`;

const WORKER_FIELDS: Record<string, FieldCheck> = {
  createLatencyMs: latency,
  deleteLatencyMs: latency,
  fault,
};

/**
 * Each provider config is absent or an object of the sim API group and the right kind with only
 * known fields, so a typo or another cloud's config is caught at admission instead of ignored.
 */
export function validateSimProviderConfig(configs: ProviderConfigs): string[] {
  return [
    ...check(configs.infrastructureConfig, 'spec.provider.infrastructureConfig', 'InfrastructureConfig', {}),
    ...check(configs.controlPlaneConfig, 'spec.provider.controlPlaneConfig', 'ControlPlaneConfig', {}),
    ...configs.workers.flatMap((worker, index) =>
      check(
        worker.providerConfig,
        `spec.provider.workers[${index}].providerConfig`,
        'WorkerConfig',
        WORKER_FIELDS,
      ),
    ),
  ];
}

/** A pool's WorkerConfig with defaults, or the problems that make it unusable. */
export function parseWorkerConfig(
  config: unknown,
  path = 'providerConfig',
): { readonly config: SimWorkerConfig } | { readonly problems: string[] } {
  const problems = check(config, path, 'WorkerConfig', WORKER_FIELDS);
  if (problems.length > 0) return { problems };
  const fields = (config ?? {}) as Partial<SimWorkerConfig>;
  return {
    config: {
      createLatencyMs: fields.createLatencyMs ?? 0,
      deleteLatencyMs: fields.deleteLatencyMs ?? 0,
      ...(fields.fault ? { fault: fields.fault } : {}),
    },
  };
}

function check(config: unknown, path: string, kind: string, fields: Record<string, FieldCheck>): string[] {
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config)) return [`${path}: must be an object`];
  const { apiVersion, kind: actualKind, ...rest } = config as Record<string, unknown>;
  const problems: string[] = [];
  if (apiVersion !== SIM_API_VERSION) problems.push(`${path}.apiVersion: must be "${SIM_API_VERSION}"`);
  if (actualKind !== kind) problems.push(`${path}.kind: must be "${kind}"`);
  for (const [field, value] of Object.entries(rest)) {
    const fieldCheck = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (!fieldCheck) {
      const known = Object.keys(fields);
      problems.push(
        `${path}.${field}: unknown field (${kind} of the sim provider has ${known.length ? `only ${known.join(', ')}` : 'no settings'})`,
      );
      continue;
    }
    const problem = fieldCheck(value);
    if (problem) problems.push(`${path}.${field}: ${problem}`);
  }
  return problems;
}
