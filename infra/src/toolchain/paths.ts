import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolPin } from './pins.js';

/** Per-user cache outside the work tree: GARDENER_TS_CACHE_DIR, else $XDG_CACHE_HOME/gardener-ts. */
export function cacheRoot(): string {
  const explicit = process.env.GARDENER_TS_CACHE_DIR;
  if (explicit) return resolve(explicit);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'gardener-ts');
}

/** infra/toolchain/wrappers, found from this file whether it runs from src/ or dist/. */
export function wrappersRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'toolchain', 'wrappers');
}

/**
 * The cache key covers everything that decides the binary: version, wrapper go.mod/go.sum and
 * ldflags. A changed pin lands in a new directory, so switching pins back and forth rebuilds nothing.
 */
export function pinKey(pin: ToolPin): string {
  const wrapper = join(wrappersRoot(), pin.wrapper);
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(wrapper, file)));
  hash.update(pin.ldflags);
  for (const binary of pin.binaries) hash.update(`${binary.file}=${binary.goPackage}`);
  return `${pin.name}-${pin.version}-${hash.digest('hex').slice(0, 10)}`;
}

export function pinBinDir(pin: ToolPin): string {
  return join(cacheRoot(), 'toolchain', pinKey(pin), 'bin');
}
