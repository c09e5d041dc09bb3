import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { ToolchainError, ToolchainErrorCode } from './errors.js';

export interface SpawnLoggedOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** called with each stderr chunk, e.g. to count progress */
  readonly onStderr?: (chunk: string) => void;
  /** what to tell the user when the command itself cannot be found */
  readonly installHint: string;
}

/** Runs a long build command with all its output in a log file; resolves with its exit code. */
export function spawnLogged(
  command: string,
  args: readonly string[],
  logFile: string,
  options: SpawnLoggedOptions,
): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(logFile);
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.on('data', (chunk: Buffer) => {
      options.onStderr?.(chunk.toString());
      out.write(chunk);
    });
    child.on('error', (error) => {
      out.end();
      reject(
        new ToolchainError(
          ToolchainErrorCode.PrerequisiteMissing,
          `cannot run ${command} (${error.message}): ${options.installHint}`,
        ),
      );
    });
    child.on('close', (code) => {
      out.end();
      resolvePromise(code ?? 1);
    });
  });
}
