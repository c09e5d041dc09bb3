import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './build.js';
import { ToolchainError, ToolchainErrorCode } from './errors.js';
import { cacheRoot } from './paths.js';
import { spawnLogged } from './spawn-logged.js';

/** The root filesystem local machines boot from (an overlay lower layer, never written to). */
export const BASE_IMAGE = {
  suite: 'bookworm',
  variant: 'minbase',
  packages: [
    'openssh-server',
    'sudo',
    'iproute2',
    'curl',
    'openssl',
    'ca-certificates',
    'jq',
    'procps',
    // a real node: the container runtime, the CNI plugins and what kube-proxy programs
    'containerd',
    'containernetworking-plugins',
    'iptables',
    'conntrack',
  ],
} as const;

const STAMP = 'image.json';

export function baseImageDir(): string {
  const key = createHash('sha256').update(JSON.stringify(BASE_IMAGE)).digest('hex').slice(0, 10);
  return join(cacheRoot(), 'images', `debian-${BASE_IMAGE.suite}-${BASE_IMAGE.variant}-${key}`);
}

export function baseImageRootfs(): string {
  return process.env.GARDENER_TS_BASE_IMAGE || join(baseImageDir(), 'rootfs');
}

export async function baseImageReady(): Promise<boolean> {
  const rootfs = baseImageRootfs();
  if (!existsSync(join(rootfs, 'usr', 'sbin', 'sshd'))) return false;
  if (process.env.GARDENER_TS_BASE_IMAGE) return true;
  try {
    const stamp = JSON.parse(await readFile(join(baseImageDir(), STAMP), 'utf8'));
    return JSON.stringify(stamp.image) === JSON.stringify(BASE_IMAGE);
  } catch {
    return false;
  }
}

/** debootstrap into a temporary directory, then move it into place with its stamp. */
export async function buildBaseImage(log: Log): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new ToolchainError(ToolchainErrorCode.PrerequisiteMissing, 'building the base image needs root');
  }
  const finalDir = baseImageDir();
  const workDir = `${finalDir}.partial-${process.pid}`;
  const mirror = process.env.GARDENER_TS_DEBIAN_MIRROR || 'http://deb.debian.org/debian';
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const logFile = `${finalDir}.log`;
  log(`[base-image] debootstrap ${BASE_IMAGE.suite} (${BASE_IMAGE.packages.join(', ')}); log: ${logFile}`);
  const started = Date.now();
  const code = await spawnLogged(
    'debootstrap',
    [
      `--variant=${BASE_IMAGE.variant}`,
      `--include=${BASE_IMAGE.packages.join(',')}`,
      BASE_IMAGE.suite,
      join(workDir, 'rootfs'),
      mirror,
    ],
    logFile,
    { installHint: 'apt-get install debootstrap' },
  );
  if (code !== 0) {
    await rm(workDir, { recursive: true, force: true });
    throw new ToolchainError(
      ToolchainErrorCode.BuildFailed,
      `debootstrap exited with ${code}; see ${logFile}`,
    );
  }
  await writeFile(join(workDir, STAMP), JSON.stringify({ image: BASE_IMAGE, mirror, builtAt: new Date() }));
  await rm(finalDir, { recursive: true, force: true });
  await rename(workDir, finalDir);
  log(`[base-image] built in ${Math.round((Date.now() - started) / 1000)}s`);
}
