import { type CommandSpec, GLOBAL_FLAGS } from './spec.js';

export function helpText(chain: readonly CommandSpec[]): string {
  const command = chain[chain.length - 1] as CommandSpec;
  const path = chain.map((c) => c.name).join(' ');
  const lines: string[] = [command.description ?? command.summary, ''];
  const visible = (command.subcommands ?? []).filter((c) => !c.hidden);
  const args = (command.args ?? []).map((a) =>
    a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`,
  );
  lines.push('Usage:');
  if (command.run) lines.push(`  ${[path, ...args].join(' ')} [flags]`);
  if (visible.length > 0) lines.push(`  ${path} [command]`);
  if (command.aliases?.length) lines.push('', `Aliases:\n  ${[command.name, ...command.aliases].join(', ')}`);
  if (command.examples) lines.push('', 'Examples:', ...command.examples.split('\n').map((l) => `  ${l}`));
  if (visible.length > 0) {
    const width = Math.max(...visible.map((c) => c.name.length)) + 2;
    lines.push('', 'Available Commands:', ...visible.map((c) => `  ${c.name.padEnd(width)}${c.summary}`));
  }
  const flags = [...(command.flags ?? []), ...GLOBAL_FLAGS];
  const label = (f: (typeof flags)[number]) =>
    `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'bool' ? '' : ' string'}`;
  const width = Math.max(...flags.map((f) => label(f).length)) + 3;
  lines.push('', 'Flags:', ...flags.map((f) => `  ${label(f).padEnd(width)}${f.description}`));
  if (visible.length > 0)
    lines.push('', `Use "${path} [command] --help" for more information about a command.`);
  return `${lines.join('\n')}\n`;
}
