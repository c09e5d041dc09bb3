import { describe, expect, it } from 'vitest';
import { LOCAL_API_VERSION, validateLocalProviderConfig } from './provider-config.js';

describe('local provider configs', () => {
  it('accepts absent configs and empty ones of the right kind', () => {
    expect(
      validateLocalProviderConfig({
        infrastructureConfig: { apiVersion: LOCAL_API_VERSION, kind: 'InfrastructureConfig' },
        workers: [
          { name: 'a' },
          { name: 'b', providerConfig: { apiVersion: LOCAL_API_VERSION, kind: 'WorkerConfig' } },
        ],
      }),
    ).toEqual([]);
  });

  it('names the field of every problem', () => {
    expect(
      validateLocalProviderConfig({
        controlPlaneConfig: {
          apiVersion: 'aws.provider.extensions.gardener.cloud/v1alpha1',
          kind: 'ControlPlaneConfig',
        },
        workers: [
          { name: 'a', providerConfig: { apiVersion: LOCAL_API_VERSION, kind: 'WorkerConfig', volumes: 3 } },
        ],
      }),
    ).toEqual([
      `spec.provider.controlPlaneConfig.apiVersion: must be "${LOCAL_API_VERSION}"`,
      'spec.provider.workers[0].providerConfig.volumes: unknown field (the local provider has no WorkerConfig settings)',
    ]);
  });
});
