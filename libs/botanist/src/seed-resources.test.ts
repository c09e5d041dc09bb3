import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type HostReader, SeedResources } from './seed-resources.js';

/** A host whose free memory and CPU counters the test sets. */
function host(freeMiB: number) {
  const state = { freeKiB: freeMiB * 1024, busy: 0, idle: 0 };
  const reader: HostReader = {
    meminfo: async () =>
      `MemTotal:       24000000 kB\nMemFree:          100000 kB\nMemAvailable:   ${state.freeKiB} kB\n`,
    stat: async () => `cpu  ${state.busy} 0 0 ${state.idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n`,
  };
  return { state, reader };
}

describe('SeedResources', () => {
  it('has room while the available memory is above the limit, and says how much', async () => {
    const { reader } = host(4096);
    expect(await new SeedResources({ minFreeMemoryMiB: 1024 }, reader).verdict()).toEqual({
      type: 'SeedResourcesAvailable',
      status: 'True',
      reason: 'ResourcesAvailable',
      message: '4096 MiB of memory available',
    });
  });

  it('is short of memory below the limit (a hibernated shoot freeing memory ends it)', async () => {
    const { state, reader } = host(700);
    const resources = new SeedResources({ minFreeMemoryMiB: 1024 }, reader);
    expect(await resources.verdict()).toMatchObject({
      status: 'False',
      reason: 'MemoryPressure',
      message: '700 MiB of memory available, less than the 1024 MiB a new control plane needs',
    });
    state.freeKiB = 1500 * 1024;
    expect(await resources.verdict()).toMatchObject({ status: 'True', reason: 'ResourcesAvailable' });
  });

  it('counts CPU only when asked, from the busy share between beats, smoothed', async () => {
    const { state, reader } = host(4096);
    const resources = new SeedResources({ minFreeMemoryMiB: 1024, maxCpuBusy: 0.9 }, reader);
    expect(await resources.verdict()).toMatchObject({ status: 'True' }); // one sample: no share yet
    state.busy += 990;
    state.idle += 10;
    expect(await resources.verdict()).toMatchObject({
      status: 'False',
      reason: 'CPUPressure',
      message: 'CPU 99 % busy, more than 90 %; 4096 MiB of memory available',
    });
    // an idle beat moves the minute's average, not to 0: two idle beats after a busy one show 72 %
    state.idle += 1000;
    await resources.verdict();
    state.idle += 1000;
    expect(await resources.verdict()).toMatchObject({
      status: 'True',
      message: `4096 MiB of memory available, CPU 72 % busy on ${cpus().length} core(s)`,
    });
    const without = new SeedResources({ minFreeMemoryMiB: 1024 }, reader);
    state.busy += 100_000;
    await without.verdict();
    expect((await without.verdict()).message).toBe('4096 MiB of memory available');
  });
});
