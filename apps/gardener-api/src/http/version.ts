import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { timestamp } from '@gardener-ts/api';

/** The Kubernetes API version the garden serves as, as kube-apiserver's /version says it. */
const MAJOR = '1';
const MINOR = '34';

/** Go's names for the architectures Node calls otherwise. */
const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm: 'arm' };

/** The commit of the checkout the server runs from, and whether it has changes; empty outside git. */
function gitState(): { gitCommit: string; gitTreeState: string } {
  try {
    const run = (...args: string[]) =>
      execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8', stdio: 'pipe' }).trim();
    return {
      gitCommit: run('rev-parse', 'HEAD'),
      gitTreeState: run('status', '--porcelain') ? 'dirty' : 'clean',
    };
  } catch {
    return { gitCommit: '', gitTreeState: '' };
  }
}

/** When the running entry point was built (its file's time). */
function buildDate(): string {
  try {
    return timestamp(statSync(process.argv[1] ?? '').mtime);
  } catch {
    return '';
  }
}

/**
 * The fields of kube-apiserver's /version (version.Info), read once at start: clients that check
 * the server's version (kubectl version, client-go's discovery) see what they expect; compiler and
 * goVersion name the runtime this server really is.
 */
export function serverVersion() {
  return {
    major: MAJOR,
    minor: MINOR,
    emulationMajor: MAJOR,
    emulationMinor: MINOR,
    minCompatibilityMajor: MAJOR,
    minCompatibilityMinor: String(Number(MINOR) - 1),
    gitVersion: `v${MAJOR}.${MINOR}.0-gardener-ts`,
    ...gitState(),
    buildDate: buildDate(),
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}`,
  };
}
