import type { Handler } from '../cli/spec.js';
import { usageError } from '../errors.js';
import type { Shell } from '../shell/shells.js';
import { shellArgument } from './kubectl-env.js';

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
    `alias ${p}cv='gardenctl config view'`,
  ];
  if (completion) {
    lines.push(`source <(gardenctl completion ${shell})`);
    lines.push(shell === 'bash' ? `complete -o default -F _gardenctl ${p}` : `compdef _gardenctl ${p}`);
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
    fn('Gardenctl-KubectlEnv', `${p}k`, 'gardenctl kubectl-env powershell | Out-String | Invoke-Expression'),
    fn(
      'Gardenctl-ProviderEnv',
      `${p}p`,
      'gardenctl provider-env powershell | Out-String | Invoke-Expression',
    ),
    fn('Gardenctl-Config-View', `${p}cv`, 'gardenctl config view'),
  ];
  if (completion) lines.push('gardenctl completion powershell | Out-String | Invoke-Expression');
  if (kubeconfig) lines.push(`${p}k`);
  return `${lines.join('\n')}\n`;
}

/** The startup script: session id, aliases (g, gtv, gk, gp, gcv…), completion and KUBECONFIG. */
export const runRc: Handler = async (ctx) => {
  const shell = shellArgument(ctx);
  const prefix = (ctx.flags.prefix as string | undefined) ?? 'g';
  if (!/^[A-Za-z][\w-]*$/.test(prefix)) {
    throw usageError(
      'prefix must start with an alphabetic character may be followed by alphanumeric characters, underscore or dash',
    );
  }
  if (prefix.length > 32) throw usageError('prefix is too long, maximum length is 32 characters');
  const options: RcOptions = {
    shell,
    prefix,
    completion: ctx.flags['no-completion'] !== true,
    kubeconfig: ctx.flags['no-kubeconfig'] !== true,
  };
  const render = shell === 'fish' ? fish : shell === 'powershell' ? powershell : posix;
  ctx.io.out.write(render(options));
};
