import type { Catalogue, Flag } from './catalogue.js';

const flagLabel = (f: Flag) =>
  `${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.takesValue ? ' string' : ''}`;

/** gardenctl-v2's (cobra's) help layout, from the command's clipanion usage and definition. */
export async function helpText(catalogue: Catalogue, typed: readonly string[]): Promise<string> {
  const entry = await catalogue.command(typed);
  const path = entry?.path ?? typed;
  const usage = entry?.usage ?? catalogue.group(path)?.usage ?? {};
  const name = ['gardenctl', ...path].join(' ');
  const children = await Promise.all(
    catalogue
      .children(path)
      .map(async (child) => ({ child, summary: await catalogue.summary([...path, child]) })),
  );
  const lines: string[] = [usage.details ?? usage.description ?? '', '', 'Usage:'];
  if (entry) {
    const args = entry.args.map((a) => (a.required ? a.name.toUpperCase() : `[${a.name.toUpperCase()}]`));
    lines.push(`  ${[name, ...args].join(' ')} [flags]`);
  }
  if (children.length > 0) lines.push(`  ${name} [command]`);
  if (entry && entry.paths.length > 1)
    lines.push('', 'Aliases:', `  ${entry.paths.map((p) => p[p.length - 1]).join(', ')}`);
  if (usage.examples?.length) {
    lines.push('', 'Examples:');
    usage.examples.forEach(([label, command], i) => {
      if (i > 0) lines.push('');
      if (label) lines.push(`  # ${label}`);
      lines.push(`  ${command}`);
    });
  }
  if (children.length > 0) {
    const width = Math.max(...children.map((c) => c.child.length)) + 2;
    lines.push('', 'Available Commands:', ...children.map((c) => `  ${c.child.padEnd(width)}${c.summary}`));
  }
  const flags = await catalogue.flagsAt(path);
  const width = Math.max(...flags.map((f) => flagLabel(f).length)) + 3;
  lines.push('', 'Flags:', ...flags.map((f) => `  ${flagLabel(f).padEnd(width)}${f.description}`));
  if (children.length > 0)
    lines.push('', `Use "${name} [command] --help" for more information about a command.`);
  return `${lines.join('\n')}\n`;
}
