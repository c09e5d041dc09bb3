import { describe, expect, it } from 'vitest';
import {
  MAX_LATENCY_MS,
  parseWorkerConfig,
  SIM_API_VERSION,
  validateSimProviderConfig,
} from './provider-config.js';

const worker = (fields: Record<string, unknown>) => ({
  apiVersion: SIM_API_VERSION,
  kind: 'WorkerConfig',
  ...fields,
});

describe('sim provider configs', () => {
  it('accepts absent configs and WorkerConfigs with latencies and a fault', () => {
    expect(
      validateSimProviderConfig({
        infrastructureConfig: { apiVersion: SIM_API_VERSION, kind: 'InfrastructureConfig' },
        workers: [
          { name: 'a' },
          {
            name: 'b',
            providerConfig: worker({ createLatencyMs: 5_000, deleteLatencyMs: 0, fault: 'CreationTimeout' }),
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names the field path of every problem', () => {
    expect(
      validateSimProviderConfig({
        controlPlaneConfig: {
          apiVersion: 'aws.provider.extensions.gardener.cloud/v1alpha1',
          kind: 'ControlPlaneConfig',
        },
        workers: [
          { name: 'a', providerConfig: worker({}) },
          {
            name: 'b',
            providerConfig: worker({ fault: 'Meteor', createLatencyMs: -1, deleteLatencyMs: 1.5, zones: 3 }),
          },
          { name: 'c', providerConfig: { apiVersion: SIM_API_VERSION, kind: 'InfrastructureConfig' } },
          { name: 'd', providerConfig: 'fast' },
        ],
      }),
    ).toEqual([
      `spec.provider.controlPlaneConfig.apiVersion: must be "${SIM_API_VERSION}"`,
      'spec.provider.workers[1].providerConfig.fault: must be one of QuotaExceeded, RateLimited, CreationTimeout',
      `spec.provider.workers[1].providerConfig.createLatencyMs: must be an integer number of milliseconds from 0 to ${MAX_LATENCY_MS}`,
      `spec.provider.workers[1].providerConfig.deleteLatencyMs: must be an integer number of milliseconds from 0 to ${MAX_LATENCY_MS}`,
      'spec.provider.workers[1].providerConfig.zones: unknown field (WorkerConfig of the sim provider has only createLatencyMs, deleteLatencyMs, fault)',
      'spec.provider.workers[2].providerConfig.kind: must be "WorkerConfig"',
      'spec.provider.workers[3].providerConfig: must be an object',
    ]);
  });

  it('gives the driver defaults, or the problems', () => {
    expect(parseWorkerConfig(undefined)).toEqual({ config: { createLatencyMs: 0, deleteLatencyMs: 0 } });
    expect(parseWorkerConfig(worker({ createLatencyMs: 10, fault: 'RateLimited' }))).toEqual({
      config: { createLatencyMs: 10, deleteLatencyMs: 0, fault: 'RateLimited' },
    });
    expect(parseWorkerConfig(worker({ fault: 'x' }))).toEqual({
      problems: ['providerConfig.fault: must be one of QuotaExceeded, RateLimited, CreationTimeout'],
    });
  });
});
