import { execFile } from 'node:child_process';

/** A program that exited non-zero; its stderr says why (no secret is ever on a command line). */
export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
  ) {
    super(`${command} failed (${exitCode ?? 'no exit code'}): ${stderr.trim().slice(0, 500)}`);
    this.name = 'CommandFailed';
  }
}

/** Runs a program (never through a shell) and returns its stdout. */
export function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(String(stdout));
        const label = [command, ...args.slice(0, 3)].join(' ');
        reject(
          new CommandFailed(label, error.code ?? error.signal ?? undefined, String(stderr || error.message)),
        );
      },
    );
  });
}

/** Runs a clean-up command; a failure whose stderr matches `absent` means there was nothing to do. */
export async function runUnlessAbsent(
  command: string,
  args: readonly string[],
  absent: RegExp,
): Promise<void> {
  try {
    await run(command, args);
  } catch (error) {
    if (error instanceof CommandFailed && absent.test(error.stderr)) return;
    throw error;
  }
}
