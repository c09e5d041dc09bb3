import { lstatSync } from 'node:fs';
import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { warn } from '../cli/io.js';
import { accessLevelOf, accessLevelOption, shellArgument } from '../cli/options.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { evalCommand, SHELLS, type Shell, shellEscape } from '../shell/shells.js';
import { shootKubeconfigUnavailable } from '../target/manager.js';
import { isEmptyTarget } from '../target/target.js';
import { manager } from './context.js';

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

function hint(shell: Shell, unset: boolean, command: string, what: string): string {
  const cmd = unset ? `${command} -u ${shell}` : `${command} ${shell}`;
  const action = unset ? `reset the ${what} configuration` : `configure ${what}`;
  return `${shell === 'powershell' ? '' : '\n'}# Run this command to ${action} for your shell:\n# ${evalCommand(shell, cmd)}\n`;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** `eval "$(gardenctl kubectl-env bash)"`: KUBECONFIG → the session's kubeconfig of the target. */
export class KubectlEnvCommand extends GardenctlCommand {
  static override paths = [['kubectl-env'], ['k-env'], ['cluster-env']];
  static override usage = Command.Usage({
    description: 'Generate a script that points KUBECONFIG to the targeted cluster for the specified shell',
    examples: [['', 'eval "$(gardenctl kubectl-env bash)"']],
  });
  static override argCompletion = SHELLS;

  shell = shellArgument();
  unset = Option.Boolean('-u,--unset', false, {
    description: 'Generate the script to unset the KUBECONFIG environment variable',
  });
  accessLevel = accessLevelOption.level();
  admin = accessLevelOption.admin();
  viewer = accessLevelOption.viewer();

  protected override async run(): Promise<void> {
    const { shell } = this;
    const command = 'gardenctl kubectl-env';
    if (this.unset) {
      this.io.out.write(`${unsetLine(shell)}\n${hint(shell, true, command, 'kubectl')}`);
      return;
    }
    const file = await this.kubeconfigFile();
    this.io.out.write(`${exportLine(shell, file)}\n${hint(shell, false, command, 'kubectl')}`);
  }

  private async kubeconfigFile(): Promise<string> {
    const m = await manager(this);
    m.requestedAccessLevel = accessLevelOf(this);
    const target = await m.persisted();
    if (m.linkEnabled() && m.requestedAccessLevel) {
      // as gardenctl-v2: the session's kubeconfig.yaml was made by the last `gardenctl target`
      warn(
        this.io,
        `--access-level has no effect with linkKubeconfig: true (the default). Re-run \`gardenctl target ... --access-level=${m.requestedAccessLevel}\` to change the access level of the session kubeconfig`,
      );
    }
    if (!m.linkEnabled()) return m.writeKubeconfig(await m.kubeconfigFor(await m.resolve(target)));
    const file = m.linkPath();
    if (!isEmptyTarget(target) && !exists(file)) {
      if (target.shoot) throw shootKubeconfigUnavailable(target.shoot);
      throw new GardenctlError(
        GardenctlErrorCode.Kubeconfig,
        `symlink to targeted cluster does not exist: ${file}`,
        `target again to recreate it: gardenctl target ${target.project ? `project ${target.project}` : `garden ${target.garden}`}`,
      );
    }
    return file;
  }
}
