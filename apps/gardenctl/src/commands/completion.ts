import { findSubcommand, flagsOf } from '../cli/parse.js';
import type { CommandSpec, Completer, FlagSpec, Handler, RunContext } from '../cli/spec.js';
import { GLOBAL_FLAGS } from '../cli/spec.js';
import { CORE } from '../garden/client.js';
import { isEmptyTarget } from '../target/target.js';
import { loadConfig, manager } from './context.js';
import { shellArgument } from './kubectl-env.js';
import { ROOT } from './tree.js';

const SCRIPTS = {
  bash: `# bash completion for gardenctl
_gardenctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(gardenctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) )
}
complete -o default -F _gardenctl gardenctl
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

export const runCompletion: Handler = async (ctx) => {
  ctx.io.out.write(SCRIPTS[shellArgument(ctx)]);
};

interface Position {
  chain: CommandSpec[];
  positionals: string[];
  flags: Record<string, string>;
  pendingFlag?: FlagSpec;
}

function allFlags(chain: CommandSpec[]): FlagSpec[] {
  return flagsOf(chain);
}

function locate(words: string[]): Position {
  const chain: CommandSpec[] = [ROOT];
  const positionals: string[] = [];
  const flags: Record<string, string> = {};
  let pendingFlag: FlagSpec | undefined;
  for (const word of words) {
    if (pendingFlag) {
      flags[pendingFlag.name] = word;
      pendingFlag = undefined;
      continue;
    }
    if (word.startsWith('-')) {
      const [name = '', value] = word.replace(/^-+/, '').split('=', 2);
      const spec = allFlags(chain).find((f) => f.name === name || f.short === name);
      if (spec && spec.type !== 'bool') {
        if (value !== undefined) flags[spec.name] = value;
        else pendingFlag = spec;
      }
      continue;
    }
    const current = chain[chain.length - 1] as CommandSpec;
    const sub = positionals.length === 0 ? findSubcommand(current, word) : undefined;
    if (sub) chain.push(sub);
    else positionals.push(word);
  }
  return { chain, positionals, flags, ...(pendingFlag ? { pendingFlag } : {}) };
}

async function names(
  ctx: RunContext,
  completer: Completer | undefined,
  flags: Record<string, string>,
): Promise<string[]> {
  if (!completer || completer === 'files') return [];
  if (completer === 'gardens') return (await loadConfig(ctx)).gardenNames();
  const m = await manager(ctx);
  const overlay = {
    ...(flags.garden ? { garden: flags.garden } : {}),
    ...(flags.project ? { project: flags.project } : {}),
  };
  const target = await m.current(overlay);
  if (!target.garden || isEmptyTarget(target)) return [];
  const client = await m.client(target.garden);
  if (completer === 'projects') {
    return (await client.list(`${CORE}/projects`)).map((p) => p.metadata.name).sort();
  }
  const namespace = target.project ? await m.projectNamespace(target.garden, target.project) : undefined;
  return [...new Set((await m.shoots(target.garden, namespace)).map((s) => s.metadata.name))].sort();
}

async function candidates(ctx: RunContext, words: string[], current: string): Promise<string[]> {
  const at = locate(words);
  const command = at.chain[at.chain.length - 1] as CommandSpec;
  if (at.pendingFlag)
    return at.pendingFlag.values ? [...at.pendingFlag.values] : names(ctx, at.pendingFlag.complete, at.flags);
  if (current.startsWith('--') && current.includes('=')) {
    const name = current.slice(2, current.indexOf('='));
    const spec = allFlags(at.chain).find((f) => f.name === name);
    const values = spec?.values ? [...spec.values] : await names(ctx, spec?.complete, at.flags);
    return values.map((v) => `--${name}=${v}`);
  }
  if (current.startsWith('-')) {
    return [...(command.flags ?? []), ...GLOBAL_FLAGS].map((f) => `--${f.name}`);
  }
  const subcommands = (command.subcommands ?? []).filter((c) => !c.hidden).map((c) => c.name);
  const arg = command.args?.[at.positionals.length];
  if (at.positionals.length === 0 && subcommands.length > 0 && !arg?.complete) return subcommands;
  if (!arg) return [];
  return arg.values ? [...arg.values] : names(ctx, arg.complete, at.flags);
}

/** `gardenctl __complete WORD… CURRENT`: the candidates for CURRENT, one per line. */
export async function runComplete(ctx: RunContext): Promise<void> {
  const words = [...ctx.args];
  const current = words.pop() ?? '';
  let found: string[] = [];
  try {
    found = await candidates(ctx, words, current);
  } catch (error) {
    // Completion must never break the shell line; say why on stderr (the scripts discard it).
    ctx.io.err.write(`${(error as Error).message}\n`);
  }
  const matching = found.filter((c) => c.startsWith(current));
  if (matching.length > 0) ctx.io.out.write(`${matching.join('\n')}\n`);
}
