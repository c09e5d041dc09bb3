import { spawn } from 'node:child_process';
import { ImageError, ImageErrorCode } from './errors.js';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** error code and advice when the command fails or cannot be started */
  readonly code?: ImageErrorCode;
  readonly hint?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command from an argument array (never through a shell); rejects with its stderr on failure. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const code = options.code ?? ImageErrorCode.BuildFailed;
  const hint = options.hint ? `: ${options.hint}` : '';
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(new ImageError(code, `cannot run ${command} (${error.message})${hint}`)),
    );
    child.on('close', (status, signal) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (status === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      const how = signal ? `was killed by ${signal}` : `exited with ${status}`;
      reject(new ImageError(code, `${command} ${args[0] ?? ''} ${how}${tail ? `:\n${tail}` : ''}${hint}`));
    });
  });
}
