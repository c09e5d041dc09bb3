import { spawn } from 'node:child_process';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';

/**
 * Runs the system OpenSSH client on this terminal (stdin, stdout and stderr passed through) and
 * resolves with its exit status. An abort (gardenctl got SIGINT or SIGTERM) ends ssh first.
 */
export function sshSession(args: readonly string[], signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...args], { stdio: 'inherit' });
    const onAbort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      reject(
        new GardenctlError(
          GardenctlErrorCode.Ssh,
          `cannot run ssh: ${error.code ?? error.message}`,
          'install the OpenSSH client (apt-get install openssh-client)',
        ),
      );
    });
    child.once('exit', (code, killedBy) => {
      signal.removeEventListener('abort', onAbort);
      resolve(code ?? (killedBy ? 128 : 1));
    });
  });
}

/** A repeating task while something runs; failures are reported, not fatal. */
export function every(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (error: Error) => void,
): () => void {
  const timer = setInterval(() => {
    task().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * SIGINT, SIGTERM and SIGHUP abort the returned signal instead of killing gardenctl at once, so
 * that it can remove what it made; `release()` restores the default behaviour.
 */
export function interruptible(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const handlers = signals.map((name) => {
    const handler = () =>
      controller.abort(
        new GardenctlError(
          GardenctlErrorCode.Interrupted,
          `interrupted (${name})`,
          'what this ssh made is removed, unless --keep-bastion',
        ),
      );
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    release: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
