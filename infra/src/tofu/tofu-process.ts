import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';

export interface TofuRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The shell in the middle exists so no tofu outlives us: `setpriv --pdeathsig TERM` tells it when
 * our process dies (even by SIGKILL), and it then kills its whole process group, which holds tofu
 * and the provider plugins tofu started.
 */
const GUARD = 'trap "kill -KILL 0" TERM; "$@" & wait $!';

export function runTofu(
  tofu: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile?: string; redact: (text: string) => string },
): Promise<TofuRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      'setpriv',
      ['--pdeathsig', 'TERM', '--', 'bash', '-c', GUARD, 'tofu-guard', tofu, ...args, '-no-color'],
      { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', async (code) => {
      if (options.logFile) {
        const entry = `$ tofu ${args.join(' ')}\n${stdout}${stderr}\n(exit ${code})\n\n`;
        await appendFile(options.logFile, options.redact(entry), { mode: 0o600 }).catch(() => {});
      }
      resolvePromise({ code: code ?? 1, stdout, stderr });
    });
  });
}
