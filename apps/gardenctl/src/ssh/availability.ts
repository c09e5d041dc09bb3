import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import type { Progress } from './bastions.js';

const ATTEMPT_MS = 5_000;

/**
 * Whether `host:port` answers as an SSH server: it accepts a TCP connection and sends an SSH
 * identification line (`SSH-2.0-…`) first. Resolves with why not, or undefined when it does.
 */
export function sshProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: ATTEMPT_MS });
    let seen = '';
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n'))
        done(/^SSH-\d/m.test(seen) ? undefined : 'it answered, but not as an SSH server');
    });
    socket.on('timeout', () => done(`no SSH greeting within ${ATTEMPT_MS / 1000} s`));
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('end', () => done('it closed the connection before greeting'));
  });
}

/** Waits until the bastion accepts SSH connections at `host:port` (gardenctl-v2's availability check). */
export async function waitAvailable(
  bastion: { name: string; host: string; port: number },
  deadline: number,
  progress: Progress,
  signal: AbortSignal,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const problem = await sshProblem(bastion.host, bastion.port);
    if (!problem) return;
    const message = `${bastion.host}:${bastion.port} does not accept SSH yet (${problem})`;
    if (Date.now() >= deadline) {
      throw new GardenctlError(
        GardenctlErrorCode.Bastion,
        `bastion "${bastion.name}" is ready, but ${message}`,
        'check --bastion-host and --bastion-port, give it longer with --wait-timeout, or skip this check with --skip-availability-check',
      );
    }
    progress({ elapsedMs: Date.now() - started, message });
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), undefined, { signal });
  }
}
