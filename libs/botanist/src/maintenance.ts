import type { CloudProfile, Shoot } from '@gardener-ts/api';

type Version = { version: string; classification?: string; expirationDate?: string };

/** What a maintenance run changes in a shoot's spec, and a line per change for lastMaintenance. */
export interface MaintenanceUpdates {
  readonly kubernetesVersion?: string;
  readonly workerImages: readonly { pool: string; version: string }[];
  readonly changes: readonly string[];
}

/**
 * Gardener's maintenance: with autoUpdate.kubernetesVersion the latest patch of the shoot's minor;
 * with autoUpdate.machineImageVersion the latest version of each pool's image. An expired version
 * is updated whatever autoUpdate says. Preview versions are never chosen.
 */
export function maintenanceUpdates(
  shoot: Shoot,
  profile: CloudProfile,
  now = new Date(),
): MaintenanceUpdates {
  const auto = shoot.spec.maintenance?.autoUpdate;
  const changes: string[] = [];
  const current = shoot.spec.kubernetes.version;
  const candidates = profile.spec.kubernetes.versions.filter((v) => sameMinor(v.version, current));
  const latest = newest(candidates, now);
  let kubernetesVersion: string | undefined;
  if (
    latest &&
    compareVersions(latest, current) > 0 &&
    (auto?.kubernetesVersion || expired(candidates, current, now))
  ) {
    kubernetesVersion = latest;
    changes.push(`Kubernetes ${current} → ${latest}`);
  }
  const workerImages: { pool: string; version: string }[] = [];
  for (const pool of shoot.spec.provider.workers ?? []) {
    const image = pool.machine.image;
    if (!image?.version) continue;
    const versions = profile.spec.machineImages.find((i) => i.name === image.name)?.versions ?? [];
    const newestImage = newest(versions, now);
    if (!newestImage || compareVersions(newestImage, image.version) <= 0) continue;
    if (!auto?.machineImageVersion && !expired(versions, image.version, now)) continue;
    workerImages.push({ pool: pool.name, version: newestImage });
    changes.push(`pool ${pool.name}: image ${image.name} ${image.version} → ${newestImage}`);
  }
  return { kubernetesVersion, workerImages, changes };
}

/** A strategic merge patch (workers merge by name) that applies the updates. */
export function maintenancePatch(shoot: Shoot, updates: MaintenanceUpdates): Record<string, unknown> {
  const workers = updates.workerImages.map(({ pool, version }) => {
    const image = shoot.spec.provider.workers.find((w) => w.name === pool)?.machine.image;
    return { name: pool, machine: { image: { ...image, version } } };
  });
  return {
    spec: {
      ...(updates.kubernetesVersion ? { kubernetes: { version: updates.kubernetesVersion } } : {}),
      ...(workers.length ? { provider: { workers } } : {}),
    },
  };
}

/** True when `now` is inside the window `HHMMSS+ZZZZ`–`HHMMSS+ZZZZ` (it may wrap past midnight). */
export function inMaintenanceWindow(window: { begin: string; end: string }, now = new Date()): boolean {
  const begin = secondsOfDayUtc(window.begin);
  const end = secondsOfDayUtc(window.end);
  if (begin === undefined || end === undefined) return false;
  const t = now.getUTCHours() * 3600 + now.getUTCMinutes() * 60 + now.getUTCSeconds();
  return begin <= end ? t >= begin && t < end : t >= begin || t < end;
}

function secondsOfDayUtc(text: string): number | undefined {
  const match = /^(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [, h, m, s, sign, zh, zm] = match;
  const local = Number(h) * 3600 + Number(m) * 60 + Number(s);
  const offset = (sign === '-' ? -1 : 1) * (Number(zh) * 3600 + Number(zm) * 60);
  return (((local - offset) % 86_400) + 86_400) % 86_400;
}

function newest(versions: readonly Version[], now: Date): string | undefined {
  return versions
    .filter((v) => v.classification !== 'preview' && !isExpired(v, now))
    .map((v) => v.version)
    .sort(compareVersions)
    .at(-1);
}

function expired(versions: readonly Version[], version: string, now: Date): boolean {
  const entry = versions.find((v) => v.version === version);
  return entry !== undefined && isExpired(entry, now);
}

function isExpired(version: Version, now: Date): boolean {
  return version.expirationDate !== undefined && Date.parse(version.expirationDate) <= now.getTime();
}

function sameMinor(a: string, b: string): boolean {
  return a.split('.').slice(0, 2).join('.') === b.split('.').slice(0, 2).join('.');
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
