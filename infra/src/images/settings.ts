import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImageError, ImageErrorCode } from './errors.js';

/** Every image of the project lives under this repository prefix: 127.0.0.1:5001/gardener-ts/pause:3.10 */
export const REPOSITORY_PREFIX = 'gardener-ts';
export const DEFAULT_REGISTRY_PORT = 5001;

/** GARDENER_TS_REGISTRY_PORT, default 5001. */
export function registryPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GARDENER_TS_REGISTRY_PORT;
  if (raw === undefined || raw === '') return DEFAULT_REGISTRY_PORT;
  const port = Number(raw);
  if (!/^[0-9]+$/.test(raw) || port < 1 || port > 65535) {
    throw new ImageError(
      ImageErrorCode.BadInput,
      `GARDENER_TS_REGISTRY_PORT=${JSON.stringify(raw)} is not a TCP port: set it to a number from 1 to 65535 or unset it (default ${DEFAULT_REGISTRY_PORT})`,
    );
  }
  return port;
}

/** The registry listens on loopback only: pushes must never be reachable from tenants. */
export function registryAddress(env: NodeJS.ProcessEnv = process.env): string {
  return `127.0.0.1:${registryPort(env)}`;
}

/**
 * GARDENER_TS_REGISTRY_DIR, else $XDG_STATE_HOME/gardener-ts/registry (~/.local/state/…): never the
 * work tree. `blobs/` is the registry's --disk storage, `manifests/` what was pushed (see records.ts).
 */
export function registryStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.GARDENER_TS_REGISTRY_DIR;
  if (explicit) return resolve(explicit);
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'gardener-ts', 'registry');
}

export const blobsDir = (stateDir: string) => join(stateDir, 'blobs');
export const manifestsDir = (stateDir: string) => join(stateDir, 'manifests');

/** The OCI platform of the binaries built here. */
export function hostPlatform(): { os: 'linux'; architecture: string } {
  const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const architecture = architectures[process.arch];
  if (process.platform !== 'linux' || !architecture) {
    throw new ImageError(
      ImageErrorCode.PrerequisiteMissing,
      `images are built on Linux (amd64 or arm64); this is ${process.platform}/${process.arch}`,
    );
  }
  return { os: 'linux', architecture };
}

/**
 * Where machines pull from: a read-only front of the registry (pull-mirror.ts) on an address of the
 * seed host that no other service uses, so each shoot's firewall opens exactly it. Link-local, like
 * a cloud's metadata service; the host carries it on its loopback interface.
 */
export const MIRROR_IP = '169.254.77.1';

/** MIRROR_IP:<registry port>; containerd in every machine sends its pulls here. */
export function registryMirrorAddress(env: NodeJS.ProcessEnv = process.env): string {
  return `${MIRROR_IP}:${registryPort(env)}`;
}
