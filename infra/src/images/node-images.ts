import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILTIN_IMAGES, COREDNS_VERSION, PAUSE_VERSION } from './definitions.js';
import { ImageErrorCode } from './errors.js';
import { run } from './run.js';
import { hostPlatform, REPOSITORY_PREFIX, registryAddress } from './settings.js';

/**
 * Archives of the built-in images that every local machine imports into its containerd at boot
 * (read-only to it): GARDENER_TS_NODE_IMAGES, else /var/lib/gardener-ts/node-images. Pods name them
 * as the seed's registry does: 127.0.0.1:5001/gardener-ts/shell:1.35.
 */
export function nodeImagesDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.GARDENER_TS_NODE_IMAGES || '/var/lib/gardener-ts/node-images';
}

/** The cluster DNS image of local shoots (every machine imports it at boot). */
export function coreDnsImageRef(env: NodeJS.ProcessEnv = process.env): string {
  return `${registryAddress(env)}/${REPOSITORY_PREFIX}/coredns:${COREDNS_VERSION}`;
}

/** The pod sandbox image of local machines. */
export function pauseImageRef(env: NodeJS.ProcessEnv = process.env): string {
  return `${registryAddress(env)}/${REPOSITORY_PREFIX}/pause:${PAUSE_VERSION}`;
}

/** Pulls every built-in image from the local registry into `dir` as `<name>.tar` (whole or not at all). */
export async function exportNodeImages(dir: string, cranePath: string): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const { os, architecture } = hostPlatform();
  const refs: string[] = [];
  for (const image of BUILTIN_IMAGES) {
    const ref = `${registryAddress()}/${REPOSITORY_PREFIX}/${image.name}:${await image.tag()}`;
    const file = join(dir, `${image.name}.tar`);
    const partial = `${file}.partial-${process.pid}`;
    try {
      await run(cranePath, ['pull', '--platform', `${os}/${architecture}`, ref, partial], {
        code: ImageErrorCode.RegistryDown,
        hint: 'is the local registry up (`npm run up`) and the image pushed (`npm run image -- build`)?',
      });
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    refs.push(ref);
  }
  return refs;
}
