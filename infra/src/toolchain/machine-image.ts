import { existsSync } from 'node:fs';
import { chmod, lchown, lstat, opendir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseImageDir, baseImageReady } from './base-image.js';
import type { Log } from './build.js';
import { ToolchainError, ToolchainErrorCode } from './errors.js';
import { spawnLogged } from './spawn-logged.js';

/**
 * Local machines run in a user namespace: their root is host uid MACHINE_ID_OFFSET, their uid n is
 * host uid MACHINE_ID_OFFSET + n, for MACHINE_ID_COUNT ids. Nothing on the host runs as these ids.
 */
export const MACHINE_ID_OFFSET = 100_000;
export const MACHINE_ID_COUNT = 65_536;

const STAMP = 'image.json';

/** The base image with every owner moved into the machines' id range (root is MACHINE_ID_OFFSET). */
export function machineImageDir(): string {
  return `${baseImageDir()}-ids${MACHINE_ID_OFFSET}`;
}

export function machineImageRootfs(): string {
  return process.env.GARDENER_TS_MACHINE_IMAGE || join(machineImageDir(), 'rootfs');
}

export async function machineImageReady(): Promise<boolean> {
  if (!existsSync(join(machineImageRootfs(), 'usr', 'sbin', 'sshd'))) return false;
  if (process.env.GARDENER_TS_MACHINE_IMAGE) return true;
  try {
    const stamp = JSON.parse(await readFile(join(machineImageDir(), STAMP), 'utf8'));
    return stamp.offset === MACHINE_ID_OFFSET && (await baseImageReady());
  } catch {
    return false;
  }
}

/** Copies the base image and shifts its owners; moved into place only when whole. */
export async function buildMachineImage(log: Log): Promise<void> {
  const finalDir = machineImageDir();
  const workDir = `${finalDir}.partial-${process.pid}`;
  const started = Date.now();
  await rm(workDir, { recursive: true, force: true });
  const code = await spawnLogged('cp', ['-a', '--', baseImageDir(), workDir], `${finalDir}.log`, {
    installHint: 'apt-get install coreutils',
  });
  if (code !== 0) {
    await rm(workDir, { recursive: true, force: true });
    throw new ToolchainError(ToolchainErrorCode.BuildFailed, `copying the base image exited with ${code}`);
  }
  const files = await shiftOwners(join(workDir, 'rootfs'), MACHINE_ID_OFFSET);
  await writeFile(join(workDir, STAMP), JSON.stringify({ offset: MACHINE_ID_OFFSET, builtAt: new Date() }));
  await rm(finalDir, { recursive: true, force: true });
  await rename(workDir, finalDir);
  log(`[machine-image] ${files} files moved to ids from ${MACHINE_ID_OFFSET} in ${Date.now() - started} ms`);
}

/**
 * Adds `offset` to the owner and group of every entry under `root`, links not followed. chown(2)
 * clears set-user-ID and set-group-ID bits, so each entry's mode is put back afterwards.
 */
export async function shiftOwners(root: string, offset: number): Promise<number> {
  let count = 0;
  const shift = async (path: string) => {
    const stat = await lstat(path);
    await lchown(path, stat.uid + offset, stat.gid + offset);
    if (!stat.isSymbolicLink()) await chmod(path, stat.mode & 0o7777);
    count++;
    if (!stat.isDirectory()) return;
    for await (const entry of await opendir(path)) await shift(join(path, entry.name));
  };
  await shift(root);
  return count;
}
