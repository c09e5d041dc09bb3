import { describe, expect, it } from 'vitest';
import { gardenletConfigFromEnv } from './config.js';

describe('GARDENLET_METRICS_ADDRESS', () => {
  it('serves no metrics unless set', () => {
    expect(gardenletConfigFromEnv({}).metricsListen).toBeUndefined();
  });

  it.each([
    ['127.0.0.1:9251', { host: '127.0.0.1', port: 9251 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:9251', { host: 'localhost', port: 9251 }],
  ])('reads %s', (value, listen) => {
    expect(gardenletConfigFromEnv({ GARDENLET_METRICS_ADDRESS: value }).metricsListen).toEqual(listen);
  });

  it.each(['9251', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9251', '127.0.0.1:9251/x', '::1:9251'])(
    'refuses %s, saying what it wants',
    (value) => {
      expect(() => gardenletConfigFromEnv({ GARDENLET_METRICS_ADDRESS: value })).toThrow(
        /GARDENLET_METRICS_ADDRESS must be host:port/,
      );
    },
  );
});

describe('the seed resource limits', () => {
  it('need 1024 MiB free by default and leave CPU out unless set', () => {
    expect(gardenletConfigFromEnv({}).seedResources).toEqual({ minFreeMemoryMiB: 1024 });
    expect(
      gardenletConfigFromEnv({ GARDENLET_MIN_FREE_MEMORY_MIB: '2048', GARDENLET_MAX_CPU_BUSY: '0.9' })
        .seedResources,
    ).toEqual({ minFreeMemoryMiB: 2048, maxCpuBusy: 0.9 });
  });

  it.each([
    [
      { GARDENLET_MIN_FREE_MEMORY_MIB: '1.5G' },
      /GARDENLET_MIN_FREE_MEMORY_MIB must be a whole number of MiB/,
    ],
    [
      { GARDENLET_MAX_CPU_BUSY: '90' },
      /GARDENLET_MAX_CPU_BUSY must be a share of all cores above 0 and at most 1/,
    ],
    [{ GARDENLET_MAX_CPU_BUSY: '0' }, /GARDENLET_MAX_CPU_BUSY must be a share/],
  ])('refuses %o, saying what it wants', (env, message) => {
    expect(() => gardenletConfigFromEnv(env)).toThrow(message);
  });
});
