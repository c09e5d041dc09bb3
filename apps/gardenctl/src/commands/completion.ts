import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { shellArgument } from '../cli/options.js';
import { SHELLS } from '../shell/shells.js';

const SCRIPTS = {
  bash: `# bash completion for gardenctl
__start_gardenctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(gardenctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) )
}
complete -o default -F __start_gardenctl gardenctl
`,
  zsh: `#compdef gardenctl
_gardenctl() {
  local -a candidates
  candidates=("\${(@f)$(gardenctl __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  compadd -- "\${candidates[@]}"
}
compdef _gardenctl gardenctl
`,
  fish: `# fish completion for gardenctl
function __gardenctl_complete
  set -l words (commandline -opc)
  set -e words[1]
  gardenctl __complete $words (commandline -ct) 2>/dev/null
end
complete -c gardenctl -f -a '(__gardenctl_complete)'
`,
  powershell: `# powershell completion for gardenctl
Register-ArgumentCompleter -Native -CommandName 'gardenctl' -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  if ($wordToComplete -ne '' -and $words.Count -gt 0) { $words = @($words | Select-Object -SkipLast 1) }
  gardenctl __complete @words $wordToComplete 2>$null | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`,
} as const;

/**
 * `source <(gardenctl completion bash)`: each script asks `gardenctl __complete` for the candidates.
 * The shell functions carry cobra's names (`__start_gardenctl` in bash, `_gardenctl` in zsh), which
 * gardenctl-v2's rc and users' own `complete -F` lines refer to.
 */
export class CompletionCommand extends GardenctlCommand {
  static override paths = [['completion']];
  static override usage = Command.Usage({
    description: 'Generate the autocompletion script for the specified shell',
    examples: [['', 'source <(gardenctl completion bash)']],
  });
  static override argCompletion = SHELLS;

  shell = shellArgument();
  noDescriptions = Option.Boolean('--no-descriptions', false, {
    description: 'disable completion descriptions (these scripts offer none either way)',
  });

  protected override async run(): Promise<void> {
    this.io.out.write(SCRIPTS[this.shell]);
  }
}
