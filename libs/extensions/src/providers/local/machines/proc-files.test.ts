import { describe, expect, it } from 'vitest';
import { machineCpuinfo, machineMeminfo } from './proc-files.js';

const MEMINFO = `MemTotal:       24683748 kB
MemFree:        20000000 kB
MemAvailable:   22000000 kB
Buffers:          100000 kB
`;

const CPUINFO = ['processor\t: 0\nmodel name\t: x', 'processor\t: 1\nmodel name\t: x'].join('\n\n');

describe('the /proc files a machine sees', () => {
  it('caps total, free and available memory at the machine type, keeping other lines', () => {
    const lines = machineMeminfo(MEMINFO, 2 ** 30).split('\n');
    expect(lines).toContain('MemTotal:       1048576 kB');
    expect(lines).toContain('MemFree:        1048576 kB');
    expect(lines).toContain('MemAvailable:   1048576 kB');
    expect(lines).toContain('Buffers:          100000 kB');
    expect(machineMeminfo(MEMINFO, 64 * 2 ** 30)).toContain('MemTotal:       24683748 kB');
  });

  it('shows as many processors as the machine has whole CPUs, at least one, at most the host has', () => {
    const count = (text: string) => text.split('\n').filter((l) => l.startsWith('processor')).length;
    expect(count(machineCpuinfo(CPUINFO, 1000))).toBe(1);
    expect(count(machineCpuinfo(CPUINFO, 500))).toBe(1);
    expect(count(machineCpuinfo(CPUINFO, 1500))).toBe(2);
    expect(count(machineCpuinfo(CPUINFO, 8000))).toBe(2);
  });
});
