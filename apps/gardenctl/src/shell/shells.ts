export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** Single-quoted literal for the shell (POSIX, fish or PowerShell rules); control characters dropped. */
export function shellEscape(shell: Shell, value: string): string {
  const clean = [...value].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
  if (shell === 'powershell') return `'${clean.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
  if (shell === 'fish') return `'${clean.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return `'${clean.replaceAll("'", `'"'"'`)}'`;
}

export function evalCommand(shell: Shell, command: string): string {
  if (shell === 'fish') return `eval (${command})`;
  if (shell === 'powershell') return `& ${command} | Invoke-Expression`;
  return `eval "$(${command})"`;
}
