import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { compact, TARGET_KEYS, type Target, validateTarget } from './target.js';

export function targetFile(sessionDirectory: string): string {
  return join(sessionDirectory, 'target.yaml');
}

/**
 * Reads target.yaml. The file is a flat map of a few strings, so it is read without the YAML
 * library (that keeps `gardenctl target view` fast); anything unusual falls back to the library.
 */
export async function readTarget(sessionDirectory: string): Promise<Target> {
  const file = targetFile(sessionDirectory);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GardenctlError(
      GardenctlErrorCode.Config,
      `failed to read ${file}: ${(error as Error).message}`,
    );
  }
  const target = parseFlat(text) ?? (await parseWithLibrary(text, file));
  try {
    validateTarget(target);
  } catch (error) {
    throw new GardenctlError(
      GardenctlErrorCode.InvalidTarget,
      `target is invalid: ${(error as Error).message}`,
      'run gardenctl target unset garden to start over',
    );
  }
  return target;
}

function parseFlat(text: string): Target | undefined {
  const target: Target = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '{}' || line.startsWith('#')) continue;
    const m = /^([A-Za-z]+):\s*(?:"([^"\\]*)"|'([^']*)'|([^\s"'#][^#]*?))?\s*$/.exec(line);
    if (!m) return undefined;
    const key = m[1] ?? '';
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (key === 'controlPlane') target.controlPlane = value === 'true';
    else if ((TARGET_KEYS as readonly string[]).includes(key))
      target[key as (typeof TARGET_KEYS)[number]] = value;
  }
  return compact(target);
}

async function parseWithLibrary(text: string, file: string): Promise<Target> {
  const { parse } = await import('yaml');
  try {
    const doc = parse(text) as Record<string, unknown> | null;
    const target: Target = {};
    for (const key of TARGET_KEYS) if (typeof doc?.[key] === 'string') target[key] = doc[key] as string;
    if (doc?.controlPlane === true) target.controlPlane = true;
    return compact(target);
  } catch (error) {
    throw new GardenctlError(
      GardenctlErrorCode.InvalidTarget,
      `failed to decode ${file} as YAML: ${(error as Error).message}`,
      'run gardenctl target unset garden to start over',
    );
  }
}

/** Writes target.yaml (mode 0600) atomically, in the same flat YAML gardenctl-v2 writes. */
export function writeTarget(sessionDirectory: string, target: Target): void {
  const t = compact(target);
  const lines = TARGET_KEYS.filter((k) => t[k]).map((k) => `${k}: ${t[k]}`);
  if (t.controlPlane) lines.push('controlPlane: true');
  const file = targetFile(sessionDirectory);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, lines.length > 0 ? `${lines.join('\n')}\n` : '{}\n', { mode: 0o600 });
  renameSync(temporary, file);
}
