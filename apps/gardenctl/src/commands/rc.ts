import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { shellArgument } from '../cli/options.js';
import { usageError } from '../errors.js';
import { SHELLS, type Shell } from '../shell/shells.js';

interface RcOptions {
  shell: Shell;
  prefix: string;
  completion: boolean;
  kubeconfig: boolean;
}

const NEW_SESSION_ID = '$(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)';

function posix({ shell, prefix: p, completion, kubeconfig }: RcOptions): string {
  const lines = [
    `export GCTL_SHELL=${shell}`,
    'if [ -z "$GCTL_SESSION_ID" ] && [ -z "$TERM_SESSION_ID" ]; then',
    `  export GCTL_SESSION_ID=${NEW_SESSION_ID}`,
    'fi',
    `alias ${p}=gardenctl`,
    `alias ${p}tv='gardenctl target view'`,
    `alias ${p}tc='gardenctl target control-plane'`,
    `alias ${p}tc-='gardenctl target unset control-plane'`,
    `alias ${p}k='eval "$(gardenctl kubectl-env ${shell})"'`,
    `alias ${p}p='eval "$(gardenctl provider-env ${shell})"'`,
    `alias ${p}pc='eval "$(gardenctl provider-env --control-plane ${shell})"'`,
    `alias ${p}cv='gardenctl config view'`,
  ];
  if (completion) {
    lines.push(`source <(gardenctl completion ${shell})`);
    lines.push(
      shell === 'bash' ? `complete -o default -F __start_gardenctl ${p}` : `compdef _gardenctl ${p}`,
    );
  }
  if (kubeconfig) lines.push(`eval "$(gardenctl kubectl-env ${shell})"`);
  return `${lines.join('\n')}\n`;
}

function fish({ prefix: p, completion, kubeconfig }: RcOptions): string {
  const lines = [
    'set -gx GCTL_SHELL fish',
    'if [ -z "$GCTL_SESSION_ID" ] && [ -z "$TERM_SESSION_ID" ]',
    '  set -gx GCTL_SESSION_ID (uuidgen 2>/dev/null; or cat /proc/sys/kernel/random/uuid)',
    'end',
    `alias ${p}=gardenctl`,
    `alias ${p}tv='gardenctl target view'`,
    `alias ${p}tc='gardenctl target control-plane'`,
    `alias ${p}tc-='gardenctl target unset control-plane'`,
    `alias ${p}k='eval (gardenctl kubectl-env fish)'`,
    `alias ${p}p='eval (gardenctl provider-env fish)'`,
    `alias ${p}pc='eval (gardenctl provider-env --control-plane fish)'`,
    `alias ${p}cv='gardenctl config view'`,
  ];
  if (completion) lines.push('gardenctl completion fish | source', `complete -c ${p} -w gardenctl`);
  if (kubeconfig) lines.push('eval (gardenctl kubectl-env fish)');
  return `${lines.join('\n')}\n`;
}

function powershell({ prefix: p, completion, kubeconfig }: RcOptions): string {
  const fn = (name: string, alias: string, body: string) =>
    `function ${name} {\n  ${body}\n}\nSet-Alias -Name ${alias} -Value ${name} -Option AllScope -Force`;
  const lines = [
    '$Env:GCTL_SHELL = "powershell"',
    'if ( !(Test-Path Env:GCTL_SESSION_ID) -and !(Test-Path Env:TERM_SESSION_ID) ) {',
    '  $Env:GCTL_SESSION_ID = [guid]::NewGuid().ToString()',
    '}',
    `Set-Alias -Name ${p} -Value (get-command gardenctl).Path -Option AllScope -Force`,
    fn('Gardenctl-Target-View', `${p}tv`, 'gardenctl target view'),
    fn('Gardenctl-Target-ControlPlane', `${p}tc`, 'gardenctl target control-plane'),
    fn('Gardenctl-Target-Unset-ControlPlane', `${p}tc-`, 'gardenctl target unset control-plane'),
    fn('Gardenctl-KubectlEnv', `${p}k`, 'gardenctl kubectl-env powershell | Out-String | Invoke-Expression'),
    fn(
      'Gardenctl-ProviderEnv',
      `${p}p`,
      'gardenctl provider-env powershell | Out-String | Invoke-Expression',
    ),
    fn(
      'Gardenctl-ProviderEnv-ControlPlane',
      `${p}pc`,
      'gardenctl provider-env --control-plane powershell | Out-String | Invoke-Expression',
    ),
    fn('Gardenctl-Config-View', `${p}cv`, 'gardenctl config view'),
  ];
  if (completion) lines.push('gardenctl completion powershell | Out-String | Invoke-Expression');
  if (kubeconfig) lines.push(`${p}k`);
  return `${lines.join('\n')}\n`;
}

/**
 * The startup script: session id, gardenctl-v2's aliases (g, gtv, gtc, gtc-, gk, gp, gpc, gcv), completion
 * and KUBECONFIG. gtc and gpc are there for the same muscle memory; here they answer that a local
 * seed's control plane cannot be targeted.
 */
export class RcCommand extends GardenctlCommand {
  static override paths = [['rc'], ['profile']];
  static override usage = Command.Usage({
    description: 'Generate a gardenctl startup script for the specified shell',
    examples: [['add to ~/.bashrc', 'eval "$(gardenctl rc bash)"']],
  });
  static override argCompletion = SHELLS;

  shell = shellArgument();
  prefix = Option.String('-p,--prefix', 'g', {
    description: 'The prefix used for aliases and functions (default "g")',
  });
  noCompletion = Option.Boolean('--no-completion', false, {
    description: 'The startup script should not setup completion',
  });
  noKubeconfig = Option.Boolean('--no-kubeconfig', false, {
    description: 'The startup script should not modify the KUBECONFIG environment variable',
  });

  protected override validate(): void {
    if (!/^[A-Za-z][\w-]*$/.test(this.prefix)) {
      throw usageError(
        'prefix must start with an alphabetic character may be followed by alphanumeric characters, underscore or dash',
      );
    }
    if (this.prefix.length > 32) throw usageError('prefix is too long, maximum length is 32 characters');
  }

  protected override async run(): Promise<void> {
    const options: RcOptions = {
      shell: this.shell,
      prefix: this.prefix,
      completion: !this.noCompletion,
      kubeconfig: !this.noKubeconfig,
    };
    const render = this.shell === 'fish' ? fish : this.shell === 'powershell' ? powershell : posix;
    this.io.out.write(render(options));
  }
}
