// The command line as gardenctl-v2 users type it (no garden needed): flags before
// or after the words of the command, values that look like flags, booleans written =false, and
// every command the index lists reachable with its help.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('../../', import.meta.url));
const GARDENCTL = `${APP}dist/main.js`;

/** The BUILT gardenctl, as the user runs it (vitest cannot load clipanion's ES module build). */
function gardenctl(...argv: string[]) {
  const env = { PATH: process.env.PATH, GCTL_SESSION_ID: 'command-line-test', TMPDIR: '/nonexistent' };
  const run = spawnSync(process.execPath, [GARDENCTL, ...argv], { env, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: APP, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building gardenctl failed:\n${build.stderr}`);
}, 120_000);

describe('the gardenctl command line', () => {
  it('reaches every command its help lists, under each of its names, and each explains itself', () => {
    const listed = (help: string) => /Available Commands:\n((?: {2}\S.*\n)+)/.exec(help)?.[1] ?? '';
    const commands: string[][] = [];
    const visit = (path: string[]) => {
      const help = gardenctl(...path, '--help');
      expect(help.code, `${path.join(' ')}: ${help.stderr}`).toBe(0);
      expect(help.stdout).toMatch(/-h, --help +help for this command/);
      const usage = /Usage:\n {2}(.*)/.exec(help.stdout)?.[1] ?? '';
      expect(usage.startsWith(['gardenctl', ...path].join(' '))).toBe(true);
      if (usage.endsWith('[flags]')) commands.push(path);
      const aliases = /Aliases:\n {2}(.+)/.exec(help.stdout)?.[1]?.split(', ') ?? [];
      for (const alias of aliases.slice(1)) {
        const byAlias = gardenctl(...path.slice(0, -1), alias, '--help');
        expect(byAlias.stdout, alias).toBe(help.stdout);
      }
      for (const [, child = ''] of listed(help.stdout).matchAll(/^ {2}(\S+)/gm)) visit([...path, child]);
    };
    visit([]);
    expect(commands.map((p) => p.join(' '))).toEqual([
      'target',
      'target garden',
      'target project',
      'target shoot',
      'target seed',
      'target control-plane',
      'target unset',
      'target view',
      'config set-garden',
      'config view',
      'config delete-garden',
      'kubeconfig',
      'get',
      'resolve garden',
      'resolve project',
      'resolve seed',
      'resolve shoot',
      'ssh',
      'ssh-patch',
      'kubectl-env',
      'provider-env',
      'rc',
      'completion',
      'version',
    ]);
  });

  it('takes flags before the words of the command they belong to', () => {
    expect(gardenctl('--short', 'version').stdout).toBe('Version: v0.1.0\n');
    expect(gardenctl('-u', 'kubectl-env', 'bash').stdout).toMatch(/^unset KUBECONFIG;\n/);
    expect(gardenctl('rc', '-p', 'x', 'fish').stdout).toContain("alias xtv='gardenctl target view'");
  });

  it('gives a flag its value even when the value starts with "-"', () => {
    const user = gardenctl('ssh', 'node-a', '--user', '-oProxyCommand=x');
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('invalid value "-oProxyCommand=x" for flag --user');
  });

  it('reads booleans written as --flag=true|false and refuses other values', () => {
    expect(gardenctl('kubectl-env', '--unset=true', 'zsh').stdout).toMatch(/^unset KUBECONFIG;/);
    const script = gardenctl('rc', 'bash', '--no-completion=false', '--no-kubeconfig=1');
    expect(script.stdout).toContain('source <(gardenctl completion bash)');
    expect(script.stdout).not.toContain('kubectl-env bash)"\n');
    const maybe = gardenctl('ssh', 'node-a', '--interactive=maybe');
    expect(maybe.code).toBe(1);
    expect(maybe.stderr).toContain('invalid value "maybe" for flag --interactive: want true or false');
  });

  it('names the allowed values of an enumerated flag or argument (exit code 1, as gardenctl-v2)', () => {
    const output = gardenctl('target', 'view', '-o', 'xml');
    expect(output.code).toBe(1);
    expect(output.stderr).toContain('must be one of yaml, json (got "xml")');
    const shell = gardenctl('completion', 'tcsh');
    expect(shell.code).toBe(1);
    expect(shell.stderr).toContain('must be one of bash, zsh, fish, powershell (got "tcsh")');
    const missing = gardenctl('target', 'unset');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      '"gardenctl target unset" requires a kind argument: one of: garden, project, shoot, seed, control-plane',
    );
  });
});
