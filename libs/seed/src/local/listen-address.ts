import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { SeedError, SeedErrorCode } from '../errors.js';

const run = promisify(execFile);

/**
 * kube-apiserver binds its listen address when it starts, and talks to itself there; the flow
 * makes the shoot's bridge, which carries that address, at the same time. Until the bridge has it,
 * the address sits on the loopback interface as a /32 (the same address on two interfaces is fine:
 * the kernel delivers it locally either way). Returns whether it had to add it.
 */
export async function claimListenAddress(address: string): Promise<boolean> {
  if (isLocalAddress(address)) return false;
  try {
    await run('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  } catch (error) {
    if (isLocalAddress(address)) return false; // another process added it meanwhile
    throw new SeedError(
      SeedErrorCode.StartFailed,
      `cannot put listen address ${address} on the loopback interface (needs root): ${(error as { stderr?: string }).stderr ?? error}`,
    );
  }
  return true;
}

/** Removes the loopback /32 that claimListenAddress added; a missing one is fine. */
export async function releaseListenAddress(address: string): Promise<void> {
  await run('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo']).catch(() => undefined);
}

function isLocalAddress(address: string): boolean {
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((a) => a.address === address),
  );
}
