import { GardenctlError, GardenctlErrorCode } from '../errors.js';

/** What the session points at: garden → project → shoot (seed only as the shoot's seed). */
export interface Target {
  garden?: string;
  project?: string;
  seed?: string;
  shoot?: string;
  controlPlane?: boolean;
}

/** Target flags given on one command line (`--garden --project --shoot --seed`). */
export interface TargetFlags {
  garden?: string;
  project?: string;
  seed?: string;
  shoot?: string;
}

export const TARGET_KEYS = ['garden', 'project', 'seed', 'shoot'] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function invalid(message: string): GardenctlError {
  return new GardenctlError(GardenctlErrorCode.InvalidTarget, message);
}

/** Shape checks only (no API): names are valid and the levels fit together. */
export function validateTarget(t: Target): void {
  if (t.project && t.seed && !t.shoot)
    throw invalid('seed and project must not be configured at the same time without a shoot');
  if (t.controlPlane && !t.shoot) throw invalid('control-plane requires a shoot target');
  if (t.garden && !/^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$/.test(t.garden))
    throw invalid(`garden name "${t.garden}" is invalid`);
  if (t.shoot && (t.shoot.length > 63 || !DNS_LABEL.test(t.shoot)))
    throw invalid(`shoot name "${t.shoot}" is invalid: it must be a DNS label (lower case, digits, "-")`);
  if (t.project && (t.project.length > 253 || !DNS_SUBDOMAIN.test(t.project)))
    throw invalid(`project name "${t.project}" is invalid: it must be a DNS subdomain`);
  if (t.seed && !DNS_LABEL.test(t.seed)) throw invalid(`seed name "${t.seed}" is invalid`);
}

export function isEmptyTarget(t: Target): boolean {
  return !t.garden && !t.project && !t.seed && !t.shoot;
}

export function hasFlags(flags: TargetFlags): boolean {
  return Boolean(flags.garden || flags.project || flags.seed || flags.shoot);
}

/**
 * Overlays command-line target flags on a target, the gardenctl-v2 way: the first level given
 * resets everything below it (`--garden G` alone moves up to the garden), persisted values are
 * kept only above that level.
 */
export function mergeTarget(current: Target, flags: TargetFlags): Target {
  if (!hasFlags(flags)) return { ...current };
  let next: Target = { ...current };
  if (flags.garden) next = { garden: flags.garden };
  if (flags.project && flags.seed && !flags.shoot) {
    throw new GardenctlError(
      GardenctlErrorCode.Usage,
      'cannot specify --project and --seed at the same time',
    );
  }
  if (flags.project) {
    next = { garden: next.garden, project: flags.project };
    if (flags.seed) next.seed = flags.seed;
    if (flags.shoot) next.shoot = flags.shoot;
  } else if (flags.seed) {
    next = { garden: next.garden, seed: flags.seed };
    if (flags.shoot) next.shoot = flags.shoot;
  } else if (flags.shoot) {
    next = { ...next, shoot: flags.shoot };
  }
  delete next.controlPlane;
  return compact(next);
}

/** Drops empty fields so files and output stay as small as gardenctl-v2's. */
export function compact(t: Target): Target {
  const out: Target = {};
  for (const key of TARGET_KEYS) if (t[key]) out[key] = t[key];
  if (t.controlPlane) out.controlPlane = true;
  return out;
}
