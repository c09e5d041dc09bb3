import { MachineControllerError, MachineControllerErrorCode } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;

/** A Go duration (`20m`, `1h30m`, `500ms`), as the pool's machineControllerManager fields carry them, in ms. */
export function parseDuration(value: string): number {
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(value); match; match = PART.exec(value)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  if (value === '' || consumed !== value.length || !Number.isFinite(total)) {
    throw new MachineControllerError(
      MachineControllerErrorCode.InvalidDuration,
      `"${value}" is not a duration such as 20m or 1h30m`,
    );
  }
  return total;
}

/** The inverse for what we write into MachineDeployments: whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${Math.round(ms)}ms`;
}
