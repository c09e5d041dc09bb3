import { lstatSync } from 'node:fs';
import type { Handler, RunContext } from '../cli/spec.js';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';
import { evalCommand, SHELLS, type Shell, shellEscape } from '../shell/shells.js';
import { shootKubeconfigUnavailable } from '../target/manager.js';
import { isEmptyTarget } from '../target/target.js';
import { manager } from './context.js';

export function shellArgument(ctx: RunContext): Shell {
  const shell = ctx.args[0];
  if (!shell) throw usageError('a shell is required', `run ${ctx.path.join(' ')} ${SHELLS.join('|')}`);
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw usageError(`invalid shell given, must be one of [${SHELLS.join(' ')}]`, `got "${shell}"`);
  }
  return shell as Shell;
}

function exportLine(shell: Shell, file: string): string {
  const value = shellEscape(shell, file);
  if (shell === 'fish') return `set -gx KUBECONFIG ${value};`;
  if (shell === 'powershell') return `$Env:KUBECONFIG = ${value};`;
  return `export KUBECONFIG=${value};`;
}

function unsetLine(shell: Shell): string {
  if (shell === 'fish') return 'set -e KUBECONFIG;';
  if (shell === 'powershell') return 'Remove-Item -ErrorAction SilentlyContinue Env:\\KUBECONFIG;';
  return 'unset KUBECONFIG;';
}

export function hint(shell: Shell, unset: boolean, command: string, what: string): string {
  const cmd = unset ? `${command} -u ${shell}` : `${command} ${shell}`;
  const action = unset ? `reset the ${what} configuration` : `configure ${what}`;
  return `${shell === 'powershell' ? '' : '\n'}# Run this command to ${action} for your shell:\n# ${evalCommand(shell, cmd)}\n`;
}

export const runKubectlEnv: Handler = async (ctx) => {
  const shell = shellArgument(ctx);
  const unset = ctx.flags.unset === true;
  const command = 'gardenctl kubectl-env';
  if (unset) {
    ctx.io.out.write(`${unsetLine(shell)}\n${hint(shell, true, command, 'kubectl')}`);
    return;
  }
  const m = await manager(ctx);
  const target = await m.persisted();
  let file: string;
  if (m.linkEnabled()) {
    file = m.linkPath();
    if (!isEmptyTarget(target) && !exists(file)) {
      if (target.shoot) throw shootKubeconfigUnavailable(target.shoot);
      throw new GardenctlError(
        GardenctlErrorCode.Kubeconfig,
        `symlink to targeted cluster does not exist: ${file}`,
        `target again to recreate it: gardenctl target ${target.project ? `project ${target.project}` : `garden ${target.garden}`}`,
      );
    }
  } else {
    file = await m.writeKubeconfig(await m.kubeconfigFor(await m.resolve(target)));
  }
  ctx.io.out.write(`${exportLine(shell, file)}\n${hint(shell, false, command, 'kubectl')}`);
};

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
