import { cidrProblem, overlaps } from '../cidr.js';
import { cronProblem, DEFAULT_SCHEDULE_LOCATION, validTimeZone } from '../cron.js';
import type { FieldError } from '../errors.js';
import type { CloudProfile } from '../kinds/cloudprofile.js';
import type { Seed } from '../kinds/seed.js';
import type { Shoot } from '../kinds/shoot.js';
import { nodesInside, PROTECTED_TAINT, type SeedCandidate, seedUnfitReason } from '../placement.js';
import { GARDEN_NAMESPACE } from '../resources.js';
import { jsonEqual } from '../strategy.js';
import { compareVersions, isExpired, parseVersion } from '../versions.js';
import { duplicates, nameProblem } from './metadata.js';

/** Gardener keeps project + shoot name short so `shoot--<project>--<name>` fits DNS labels. */
export const MAX_PROJECT_AND_SHOOT_NAME_LENGTH = 21;
export const MAX_WORKER_NAME_LENGTH = 15;
/**
 * cron-parser takes up to ~150 ms to read one schedule, so their number is capped (and checked
 * before any is read) to keep one request from holding the API.
 */
export const MAX_HIBERNATION_SCHEDULES = 32;

type HibernationSchedule = NonNullable<NonNullable<Shoot['spec']['hibernation']>['schedules']>[number];

const TIME_WINDOW = /^([01]\d|2[0-3])([0-5]\d)([0-5]\d)([+-])(\d{2})(\d{2})$/;

export function projectNameOfNamespace(namespace: string): string {
  return namespace === 'garden' ? 'garden' : namespace.replace(/^garden-/, '');
}

export function technicalId(namespace: string, name: string): string {
  return `shoot--${projectNameOfNamespace(namespace)}--${name}`;
}

function err(type: FieldError['type'], field: string, message: string): FieldError {
  return { type, field, message };
}

/** Seconds since midnight UTC of a `HHMMSS+ZZZZ` time, or undefined when malformed. */
function windowSeconds(time: string): number | undefined {
  const m = TIME_WINDOW.exec(time);
  if (!m) return undefined;
  const [, hh, mm, ss, sign, zh, zm] = m;
  const local = Number(hh) * 3600 + Number(mm) * 60 + Number(ss);
  const offset = (Number(zh) * 3600 + Number(zm) * 60) * (sign === '+' ? 1 : -1);
  return (((local - offset) % 86400) + 86400) % 86400;
}

function validateMaintenance(shoot: Shoot): FieldError[] {
  const window = shoot.spec.maintenance?.timeWindow;
  if (!window) return [];
  const begin = windowSeconds(window.begin);
  const end = windowSeconds(window.end);
  const errors: FieldError[] = [];
  if (begin === undefined)
    errors.push(
      err(
        'FieldValueInvalid',
        'spec.maintenance.timeWindow.begin',
        'must be a time HHMMSS+ZZZZ such as 220000+0100',
      ),
    );
  if (end === undefined)
    errors.push(
      err(
        'FieldValueInvalid',
        'spec.maintenance.timeWindow.end',
        'must be a time HHMMSS+ZZZZ such as 230000+0100',
      ),
    );
  if (begin !== undefined && end !== undefined) {
    const length = (((end - begin) % 86400) + 86400) % 86400;
    if (length < 30 * 60 || length > 6 * 3600) {
      errors.push(
        err(
          'FieldValueInvalid',
          'spec.maintenance.timeWindow',
          'must be between 30 minutes and 6 hours long',
        ),
      );
    }
  }
  return errors;
}

function validateHibernation(shoot: Shoot, old: Shoot | undefined): FieldError[] {
  const schedules = shoot.spec.hibernation?.schedules ?? [];
  // Ratcheting, as Kubernetes does: these rules got stricter (cron-parser, the cap of 32), so an
  // update that leaves the stored schedules as they were is not refused for them; changed ones are.
  if (old && jsonEqual(schedules, old.spec.hibernation?.schedules ?? [])) return [];
  if (schedules.length > MAX_HIBERNATION_SCHEDULES) {
    return [
      err(
        'FieldValueTooMany',
        'spec.hibernation.schedules',
        `must have at most ${MAX_HIBERNATION_SCHEDULES} items`,
      ),
    ];
  }
  return schedules.flatMap((schedule, i) => validateSchedule(schedule, `spec.hibernation.schedules[${i}]`));
}

function validateSchedule(schedule: HibernationSchedule, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!schedule.start && !schedule.end)
    errors.push(err('FieldValueRequired', path, 'start or end is required'));
  const location = schedule.location ?? DEFAULT_SCHEDULE_LOCATION;
  const knownLocation = validTimeZone(location);
  if (!knownLocation) {
    errors.push(
      err('FieldValueInvalid', `${path}.location`, 'must be an IANA time zone such as Europe/Berlin'),
    );
  }
  for (const key of ['start', 'end'] as const) {
    const cron = schedule[key];
    if (cron === undefined) continue;
    const problem = cronProblem(cron, knownLocation ? location : DEFAULT_SCHEDULE_LOCATION);
    if (problem)
      errors.push(err('FieldValueInvalid', `${path}.${key}`, `${problem} (got ${JSON.stringify(cron)})`));
  }
  return errors;
}

function validateNetworking(shoot: Shoot): FieldError[] {
  const errors: FieldError[] = [];
  const ranges = (['nodes', 'pods', 'services'] as const)
    .map((key) => ({ key, cidr: shoot.spec.networking[key] }))
    .filter((r): r is { key: 'nodes' | 'pods' | 'services'; cidr: string } => r.cidr !== undefined);
  for (const { key, cidr } of ranges) {
    const problem = cidrProblem(cidr);
    if (problem) errors.push(err('FieldValueInvalid', `spec.networking.${key}`, problem));
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i];
      const b = ranges[j];
      if (a && b && overlaps(a.cidr, b.cidr)) {
        errors.push(
          err(
            'FieldValueInvalid',
            `spec.networking.${b.key}`,
            `must not overlap spec.networking.${a.key} (${a.cidr})`,
          ),
        );
      }
    }
  }
  return errors;
}

function validateWorkers(shoot: Shoot): FieldError[] {
  const errors: FieldError[] = [];
  const workers = shoot.spec.provider.workers;
  for (const name of duplicates(workers.map((w) => w.name))) {
    errors.push(err('FieldValueDuplicate', 'spec.provider.workers', `duplicate worker name "${name}"`));
  }
  workers.forEach((worker, i) => {
    const path = `spec.provider.workers[${i}]`;
    const problem = nameProblem(worker.name, 'dns1123-label', MAX_WORKER_NAME_LENGTH);
    if (problem) errors.push(err('FieldValueInvalid', `${path}.name`, problem));
    if (worker.minimum > worker.maximum)
      errors.push(
        err('FieldValueForbidden', `${path}.minimum`, 'minimum value must not be greater than maximum value'),
      );
    const zones = worker.zones ?? [];
    for (const zone of duplicates(zones))
      errors.push(err('FieldValueDuplicate', `${path}.zones`, `duplicate zone "${zone}"`));
    if (worker.minimum > 0 && worker.maximum < zones.length) {
      errors.push(
        err(
          'FieldValueForbidden',
          `${path}.maximum`,
          'maximum value must not be less than the number of zones',
        ),
      );
    }
    if (worker.maxSurge === 0 && worker.maxUnavailable === 0) {
      errors.push(err('FieldValueInvalid', `${path}.maxUnavailable`, 'must not be 0 when maxSurge is 0'));
    }
  });
  return errors;
}

/**
 * Gardener's rule against ambiguous technical IDs: `shoot--<project>--<name>` splits one way only
 * when neither part holds `--` (DNS labels neither start nor end with `-`).
 */
export function consecutiveHyphensProblem(name: string): string | undefined {
  return name.includes('--') ? 'must not contain two consecutive hyphens ("--")' : undefined;
}

/** Only the garden's own shoots may tolerate the protected taint (Gardener's ShootValidator). */
function validateTolerations(shoot: Shoot, old: Shoot | undefined): FieldError[] {
  if (shoot.metadata.namespace === GARDEN_NAMESPACE) return [];
  const before = new Set((old?.spec.tolerations ?? []).map((t) => t.key));
  const errors: FieldError[] = [];
  (shoot.spec.tolerations ?? []).forEach((toleration, i) => {
    if (toleration.key === PROTECTED_TAINT && !before.has(PROTECTED_TAINT))
      errors.push(
        err(
          'FieldValueForbidden',
          `spec.tolerations[${i}].key`,
          `only shoots in the "${GARDEN_NAMESPACE}" namespace may tolerate ${PROTECTED_TAINT}`,
        ),
      );
  });
  return errors;
}

/** Rules that need nothing but the shoot itself (and, on update, what it was). */
export function validateShoot(shoot: Shoot, old?: Shoot): FieldError[] {
  const errors: FieldError[] = [];
  const { name = '', namespace = '' } = shoot.metadata;
  const project = projectNameOfNamespace(namespace);
  const hyphens = old ? undefined : consecutiveHyphensProblem(name);
  if (hyphens) errors.push(err('FieldValueInvalid', 'metadata.name', hyphens));
  if (name && project.length + name.length > MAX_PROJECT_AND_SHOOT_NAME_LENGTH) {
    errors.push(
      err(
        'FieldValueTooLong',
        'metadata.name',
        `the length of the shoot name and the project name must not exceed ${MAX_PROJECT_AND_SHOOT_NAME_LENGTH} characters (project "${project}" has ${project.length})`,
      ),
    );
  }
  const { cloudProfileName, cloudProfile } = shoot.spec;
  if (!cloudProfileName && !cloudProfile) {
    errors.push(err('FieldValueRequired', 'spec.cloudProfileName', 'must name a CloudProfile'));
  }
  if (cloudProfileName && cloudProfile && cloudProfileName !== cloudProfile.name) {
    errors.push(
      err(
        'FieldValueInvalid',
        'spec.cloudProfile.name',
        `must be the same as spec.cloudProfileName ("${cloudProfileName}"): they name one profile`,
      ),
    );
  }
  if (shoot.spec.secretBindingName && shoot.spec.credentialsBindingName) {
    errors.push(
      err(
        'FieldValueForbidden',
        'spec.credentialsBindingName',
        'must not be set together with spec.secretBindingName',
      ),
    );
  }
  if (!parseVersion(shoot.spec.kubernetes.version)) {
    errors.push(
      err('FieldValueInvalid', 'spec.kubernetes.version', 'must be a version such as 1.34 or 1.34.1'),
    );
  }
  errors.push(
    ...validateNetworking(shoot),
    ...validateWorkers(shoot),
    ...validateMaintenance(shoot),
    ...validateHibernation(shoot, old),
    ...validateTolerations(shoot, old),
  );
  return errors;
}

export function cloudProfileNameOf(shoot: Shoot): string | undefined {
  return shoot.spec.cloudProfile?.name ?? shoot.spec.cloudProfileName;
}

function validateKubernetesVersion(
  shoot: Shoot,
  profile: CloudProfile,
  old: Shoot | undefined,
  now: Date,
): FieldError[] {
  const version = shoot.spec.kubernetes.version;
  const field = 'spec.kubernetes.version';
  const offered = profile.spec.kubernetes.versions.find((v) => v.version === version);
  if (!offered) {
    const supported = profile.spec.kubernetes.versions.map((v) => v.version).join(', ');
    return [
      err(
        'FieldValueNotSupported',
        field,
        `version "${version}" is not offered by CloudProfile "${profile.metadata.name}" (offered: ${supported})`,
      ),
    ];
  }
  const changed = !old || old.spec.kubernetes.version !== version;
  if (changed && isExpired(offered.expirationDate, now)) {
    return [err('FieldValueForbidden', field, `version "${version}" expired on ${offered.expirationDate}`)];
  }
  if (old && compareVersions(version, old.spec.kubernetes.version) < 0) {
    return [
      err('FieldValueForbidden', field, `downgrading from ${old.spec.kubernetes.version} is not supported`),
    ];
  }
  return [];
}

function validateWorkersAgainstProfile(
  shoot: Shoot,
  profile: CloudProfile,
  old: Shoot | undefined,
  now: Date,
): FieldError[] {
  const errors: FieldError[] = [];
  const region = profile.spec.regions.find((r) => r.name === shoot.spec.region);
  const zones = new Set((region?.zones ?? []).map((z) => z.name));
  shoot.spec.provider.workers.forEach((worker, i) => {
    const path = `spec.provider.workers[${i}]`;
    const oldWorker = old?.spec.provider.workers.find((w) => w.name === worker.name);
    const machineType = profile.spec.machineTypes.find((t) => t.name === worker.machine.type);
    if (!machineType) {
      errors.push(
        err(
          'FieldValueNotSupported',
          `${path}.machine.type`,
          `machine type "${worker.machine.type}" is not offered by the CloudProfile`,
        ),
      );
    } else if (machineType.usable === false && oldWorker?.machine.type !== worker.machine.type) {
      errors.push(
        err(
          'FieldValueForbidden',
          `${path}.machine.type`,
          `machine type "${worker.machine.type}" is not usable`,
        ),
      );
    } else if (
      machineType.architecture &&
      worker.machine.architecture &&
      machineType.architecture !== worker.machine.architecture
    ) {
      errors.push(
        err(
          'FieldValueInvalid',
          `${path}.machine.architecture`,
          `machine type "${machineType.name}" is ${machineType.architecture}`,
        ),
      );
    }
    const image = worker.machine.image;
    const offeredImage = image && profile.spec.machineImages.find((m) => m.name === image.name);
    if (image && !offeredImage) {
      errors.push(
        err(
          'FieldValueNotSupported',
          `${path}.machine.image.name`,
          `machine image "${image.name}" is not offered by the CloudProfile`,
        ),
      );
    } else if (image && offeredImage) {
      const version = offeredImage.versions.find((v) => v.version === image.version);
      const imageChanged =
        oldWorker?.machine.image?.version !== image.version || oldWorker?.machine.image?.name !== image.name;
      if (!version) {
        errors.push(
          err(
            'FieldValueNotSupported',
            `${path}.machine.image.version`,
            `version "${image.version}" of machine image "${image.name}" is not offered`,
          ),
        );
      } else if (imageChanged && isExpired(version.expirationDate, now)) {
        errors.push(
          err(
            'FieldValueForbidden',
            `${path}.machine.image.version`,
            `version "${image.version}" expired on ${version.expirationDate}`,
          ),
        );
      } else if (
        worker.machine.architecture &&
        version.architectures &&
        !version.architectures.includes(worker.machine.architecture)
      ) {
        errors.push(
          err(
            'FieldValueInvalid',
            `${path}.machine.image.version`,
            `version "${image.version}" is not built for ${worker.machine.architecture}`,
          ),
        );
      }
    }
    (worker.zones ?? []).forEach((zone, j) => {
      if (!zones.has(zone))
        errors.push(
          err(
            'FieldValueNotSupported',
            `${path}.zones[${j}]`,
            `zone "${zone}" is not offered in region "${shoot.spec.region}"`,
          ),
        );
    });
    if (zones.size > 0 && (worker.zones ?? []).length === 0) {
      errors.push(
        err(
          'FieldValueRequired',
          `${path}.zones`,
          `must name at least one zone of region "${shoot.spec.region}"`,
        ),
      );
    }
  });
  return errors;
}

/** Rules checked against the shoot's CloudProfile. */
export function validateShootAgainstCloudProfile(
  shoot: Shoot,
  profile: CloudProfile,
  old?: Shoot,
  now = new Date(),
): FieldError[] {
  const errors: FieldError[] = [];
  if (shoot.spec.provider.type !== profile.spec.type) {
    errors.push(
      err(
        'FieldValueInvalid',
        'spec.provider.type',
        `must match the CloudProfile's type "${profile.spec.type}"`,
      ),
    );
  }
  if (!profile.spec.regions.some((r) => r.name === shoot.spec.region)) {
    errors.push(
      err(
        'FieldValueNotSupported',
        'spec.region',
        `region "${shoot.spec.region}" is not offered by CloudProfile "${profile.metadata.name}"`,
      ),
    );
  }
  errors.push(
    ...validateKubernetesVersion(shoot, profile, old, now),
    ...validateWorkersAgainstProfile(shoot, profile, old, now),
  );
  return errors;
}

/** Shoot networks must not overlap the seed's own networks. */
export function validateShootAgainstSeed(shoot: Shoot, seed: Seed): FieldError[] {
  const errors: FieldError[] = [];
  const seedNetworks = seed.spec.networks;
  for (const key of ['nodes', 'pods', 'services'] as const) {
    const cidr = shoot.spec.networking[key];
    if (!cidr) continue;
    for (const seedKey of ['nodes', 'pods', 'services'] as const) {
      const seedCidr = seedNetworks[seedKey];
      if (seedCidr && overlaps(cidr, seedCidr)) {
        errors.push(
          err(
            'FieldValueInvalid',
            `spec.networking.${key}`,
            `must not overlap the seed's ${seedKey} network (${seedCidr})`,
          ),
        );
      }
    }
  }
  return errors;
}

/**
 * A seed named in spec.seedName must pass what the scheduler checks (visibility, region, taints,
 * capacity): naming a seed is no way around them.
 */
export function validateSeedChoice(shoot: Shoot, candidate: SeedCandidate): FieldError[] {
  const reason = seedUnfitReason(shoot, candidate);
  return reason
    ? [err('FieldValueForbidden', 'spec.seedName', `seed "${candidate.seed.metadata.name}" ${reason}`)]
    : [];
}

/**
 * All shoots of a seed share its host: a shoot's node network lies inside the seed's shoot range
 * (when it has one) and overlaps no other shoot's on that seed.
 */
export function validateNodesOnSeed(shoot: Shoot, seed: Seed, otherNodes: readonly string[]): FieldError[] {
  const nodes = shoot.spec.networking.nodes;
  if (!nodes || cidrProblem(nodes)) return [];
  const field = 'spec.networking.nodes';
  const errors: FieldError[] = [];
  const range = seed.spec.networks.shootDefaults?.nodes;
  if (range && !nodesInside(nodes, range))
    errors.push(
      err(
        'FieldValueInvalid',
        field,
        `must lie inside the shoot range of seed "${seed.metadata.name}" (${range})`,
      ),
    );
  const taken = otherNodes.find((other) => overlaps(other, nodes));
  if (taken)
    errors.push(
      err(
        'FieldValueInvalid',
        field,
        `overlaps the node network of another shoot on seed "${seed.metadata.name}" (${taken})`,
      ),
    );
  return errors;
}

/** Fields a shoot keeps for its whole life. */
export function validateShootUpdate(shoot: Shoot, old: Shoot): FieldError[] {
  const errors: FieldError[] = [];
  const immutable = (field: string, now: unknown, before: unknown) => {
    if (before !== undefined && now !== before)
      errors.push(err('FieldValueForbidden', field, `field is immutable (was ${JSON.stringify(before)})`));
  };
  immutable('spec.region', shoot.spec.region, old.spec.region);
  immutable('spec.provider.type', shoot.spec.provider.type, old.spec.provider.type);
  immutable('spec.networking.nodes', shoot.spec.networking.nodes, old.spec.networking.nodes);
  immutable('spec.networking.pods', shoot.spec.networking.pods, old.spec.networking.pods);
  immutable('spec.networking.services', shoot.spec.networking.services, old.spec.networking.services);
  immutable('spec.seedName', shoot.spec.seedName, old.spec.seedName);
  return errors;
}
