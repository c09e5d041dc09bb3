import { parseGoDuration } from '@gardener-ts/api/duration';
import { MachineControllerError, MachineControllerErrorCode } from './errors.js';

/** A Go duration (`20m`, `1h30m`, `500ms`), as the pool's machineControllerManager fields carry them, in ms. */
export function parseDuration(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined) {
    throw new MachineControllerError(
      MachineControllerErrorCode.InvalidDuration,
      `"${value}" is not a duration such as 20m or 1h30m`,
    );
  }
  return ms;
}

/** The inverse for what we write into MachineDeployments: whole milliseconds. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${Math.round(ms)}ms`;
}
