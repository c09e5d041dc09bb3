/**
 * Runs the BUILT gardenctl (dist/main.js) as a user would, against a real garden API on a
 * throw-away PostgreSQL database, with GCTL_HOME, TMPDIR and GCTL_SESSION_ID in temp dirs.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from '@gardener-ts/api';
import { binary } from '@gardener-ts/infra/toolchain';
import { createTestDatabase } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type RunningServer, startServer } from '../../gardener-api/src/testing/server.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const APP = join(REPO, 'apps/gardenctl');
const GARDENCTL = join(APP, 'dist/main.js');
const CORE = '/apis/core.gardener.cloud/v1beta1';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer | undefined;
let apiUrl: string;
let home: string;
let kubeconfigFile: string;
let adminToken: string;
let caPem: Buffer;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One gardenctl invocation, in the given shell session. */
function gctl(args: string[], options: { session?: string | null; env?: NodeJS.ProcessEnv } = {}): Result {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    GCTL_HOME: home,
    TMPDIR: join(dir, 'tmp'),
    ...(options.session === null ? {} : { GCTL_SESSION_ID: options.session ?? 'session-a' }),
    ...options.env,
  };
  const run = spawnSync(process.execPath, [GARDENCTL, ...args], { env, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function sessionDir(session: string): string {
  return join(dir, 'tmp', 'garden', session);
}

function post(path: string, body: unknown): Promise<number> {
  return postFor(path, body).then((r) => r.status);
}

function postFor(path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${apiUrl}${path}`,
      {
        method: 'POST',
        ca: caPem,
        // a fresh connection each time: the spawnSync calls between posts block this process, so a
        // kept-alive socket the API closed meanwhile would be written to before its close is seen
        agent: false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function shoot(name: string, namespace: string) {
  const s = exampleShoot(name, namespace);
  // Let the seed allocate a free node network per shoot.
  delete (s.spec.networking as { nodes?: string }).nodes;
  // Bound at create, so the target's seed does not depend on when the scheduler runs.
  (s.spec as { seedName?: string }).seedName = 'local';
  return s;
}

beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: APP, encoding: 'utf8' });
  if (build.status !== 0 || !existsSync(GARDENCTL)) {
    throw new Error(`building gardenctl failed (cd apps/gardenctl && npm run build):\n${build.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'gts-gardenctl-'));
  home = join(dir, 'home');
  db = await createTestDatabase('gts_gardenctl');
  kubeconfigFile = join(dir, 'garden.kubeconfig');
  // The garden as the README's first command starts it, but on HTTPS (exercising the kubeconfig's
  // CA) and with its own queue prefix; it writes the garden kubeconfig (server, CA, admin token).
  const started = await startServer({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dir,
    GARDENER_TLS: 'on',
    GARDENER_KUBECONFIG: kubeconfigFile,
    GARDENER_QUEUE_PREFIX: `gts-gardenctl-test-${process.pid}`,
  });
  server = started;
  apiUrl = started.url;
  const written = parse(readFileSync(kubeconfigFile, 'utf8'));
  adminToken = written.users[0].user.token;
  caPem = Buffer.from(written.clusters[0].cluster['certificate-authority-data'], 'base64');
  expect(await post(`${CORE}/cloudprofiles`, exampleCloudProfile())).toBe(201);
  expect(await post(`${CORE}/seeds`, exampleSeed())).toBe(201);
  for (const project of ['dev', 'prod'])
    expect(await post(`${CORE}/projects`, exampleProject(project))).toBe(201);
  for (const [name, ns] of [
    ['demo', 'garden-dev'],
    ['web', 'garden-dev'],
    ['web', 'garden-prod'],
    ['api', 'garden-prod'],
  ] as const) {
    expect(await post(`${CORE}/namespaces/${ns}/shoots`, shoot(name, ns))).toBe(201);
  }
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await db?.drop();
  // Jobs the API may have queued for the test shoots, under this test's own prefix.
  spawnSync('bash', [
    '-c',
    `command -v redis-cli >/dev/null && redis-cli --scan --pattern 'gts-gardenctl-test-${process.pid}*' | xargs -r redis-cli del >/dev/null`,
  ]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gardenctl without a garden API', () => {
  it('refuses to run without a shell session, with gardenctl-v2 error and what to do', () => {
    const r = gctl(['target', 'view'], { session: null });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('environment variable GCTL_SESSION_ID is required');
    expect(r.stderr).toContain('export GCTL_SESSION_ID=$(uuidgen)');
    const invalid = gctl(['target', 'view'], { session: 'bad id!' });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('must only contain alphanumeric characters');
  });

  it('takes the session id from TERM_SESSION_ID when GCTL_SESSION_ID is unset', () => {
    const uuid = '0a1b2c3d-1111-4222-8333-444455556666';
    const r = gctl(['target', 'view'], {
      session: null,
      env: { TERM_SESSION_ID: `w0t0p0:${uuid.toUpperCase()}` },
    });
    expect(r.code).toBe(0);
    expect(existsSync(sessionDir(uuid))).toBe(true);
    expect(statSync(sessionDir(uuid)).mode & 0o777).toBe(0o700);
  });

  it('answers usage mistakes with exit code 1 (as gardenctl-v2) and a hint', () => {
    const unknown = gctl(['tagret', 'view']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown command "tagret" for "gardenctl"');
    expect(unknown.stderr).toContain('did you mean "gardenctl target"');
    expect(gctl(['target', 'view', '--shot', 'x']).stderr).toContain('did you mean --shoot');
    expect(gctl(['target', 'view', '--shot', 'x']).code).toBe(1);
    expect(gctl(['target', 'view', '-o', 'xml']).code).toBe(1);
    expect(gctl(['target', 'shoot']).code).toBe(1);
    expect(gctl(['target']).code).toBe(1);
    expect(gctl(['kubectl-env', 'tcsh']).code).toBe(1);
    const help = gctl(['target', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Available Commands:');
  });

  it('prints colour only on a terminal', () => {
    const r = gctl(['target', 'garden', 'nowhere']);
    expect(r.stderr).toMatch(/^Error: /);
    expect(r.stderr).not.toContain('\u001b[');
    expect(gctl(['target', 'garden', 'nowhere'], { env: { FORCE_COLOR: '1' } }).stderr).toContain(
      '\u001b[31mError:',
    );
  });

  it('manages gardens in the gardenctl-v2 config file (0600, GCTL_HOME, GCTL_CONFIG_NAME)', () => {
    const env = { GCTL_CONFIG_NAME: 'other' };
    const set = gctl(
      [
        'config',
        'set-garden',
        'scratch',
        '--kubeconfig',
        kubeconfigFile,
        '--alias',
        'sc',
        '--pattern',
        '^x/(?P<shoot>.+)$',
      ],
      { env },
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Successfully configured garden "scratch"\n');
    const file = join(home, 'other.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(file, 'utf8'))).toEqual({
      gardens: [
        { identity: 'scratch', kubeconfig: kubeconfigFile, name: 'sc', patterns: ['^x/(?P<shoot>.+)$'] },
      ],
    });
    const view = gctl(['config', 'view', '-o', 'json'], { env });
    expect(JSON.parse(view.stdout).gardens[0].identity).toBe('scratch');
    expect(gctl(['config', 'set-garden', 'bad name', '--kubeconfig', kubeconfigFile], { env }).code).toBe(1);
    expect(
      gctl(['config', 'set-garden', 'p', '--kubeconfig', kubeconfigFile, '--pattern', '(?P<cluster>.+)'], {
        env,
      }).code,
    ).toBe(1);
    const missing = gctl(['config', 'delete-garden', 'scratc'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('did you mean "scratch"');
    expect(gctl(['config', 'delete-garden', 'scratch'], { env }).stdout).toBe(
      'Successfully deleted garden "scratch"\n',
    );
    expect(parse(readFileSync(file, 'utf8'))).toEqual({ gardens: [] });
  });

  it('says clearly that seeds and control planes cannot be targeted', () => {
    for (const args of [
      ['target', 'seed', 'local'],
      ['target', 'control-plane'],
      ['target', '--seed', 'local'],
      ['target', '--shoot', 'demo', '--control-plane'],
      ['provider-env', '--control-plane', 'bash'],
    ]) {
      const r = gctl(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('the local seed has no Kubernetes cluster to target');
      expect(r.stderr).toContain('gardenctl target shoot NAME');
    }
  });

  it('prints shell scripts: rc, completion, version', () => {
    const rc = gctl(['rc', 'bash']);
    expect(rc.code).toBe(0);
    for (const line of [
      "alias gtv='gardenctl target view'",
      'source <(gardenctl completion bash)',
      'export GCTL_SHELL=bash',
    ]) {
      expect(rc.stdout).toContain(line);
    }
    const bash = spawnSync(
      'bash',
      [
        '-c',
        `unset GCTL_SESSION_ID TERM_SESSION_ID; shopt -s expand_aliases; eval "$(${process.execPath} ${GARDENCTL} rc bash --no-completion --no-kubeconfig)"; alias gk; echo "sid=$GCTL_SESSION_ID"`,
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
      },
    );
    expect(bash.stdout).toContain('gardenctl kubectl-env bash');
    expect(bash.stdout).toMatch(/sid=[0-9a-f-]{36}/);
    // gardenctl-v2's aliases and completion function names, under `rc` and its alias `profile`
    for (const line of [
      "alias gtc='gardenctl target control-plane'",
      "alias gtc-='gardenctl target unset control-plane'",
      `alias gpc='eval "$(gardenctl provider-env --control-plane bash)"'`,
      "alias gcv='gardenctl config view'",
      'complete -o default -F __start_gardenctl g',
    ]) {
      expect(rc.stdout).toContain(line);
    }
    expect(gctl(['profile', 'bash']).stdout).toBe(rc.stdout);
    expect(gctl(['rc', 'fish']).stdout).toContain(
      "alias gpc='eval (gardenctl provider-env --control-plane fish)'",
    );
    expect(gctl(['rc', 'powershell']).stdout).toContain(
      'Set-Alias -Name gpc -Value Gardenctl-ProviderEnv-ControlPlane',
    );
    expect(gctl(['completion', 'bash']).stdout).toContain(
      'complete -o default -F __start_gardenctl gardenctl',
    );
    expect(gctl(['completion', 'zsh']).stdout).toContain('compdef _gardenctl gardenctl');
    expect(gctl(['version', '--short']).stdout).toBe('Version: v0.1.0\n');
    expect(JSON.parse(gctl(['version', '-o', 'json']).stdout).gitVersion).toBe('v0.1.0');
  });
});

describe('gardenctl against a running garden', () => {
  beforeAll(() => {
    const set = gctl([
      'config',
      'set-garden',
      'local',
      '--kubeconfig',
      kubeconfigFile,
      '--alias',
      'lo',
      '--pattern',
      '^https://dashboard\\.local/namespace/(?P<namespace>[^/]+)/shoots/(?P<shoot>[^/]+)',
      '--pattern',
      '^shoot--(?P<project>[^-]+)--(?P<shoot>.+)$',
    ]);
    expect(set.code, set.stderr).toBe(0);
  });

  it('targets a garden (by alias), a project and a shoot, and views the target', () => {
    const s = 'named';
    expect(gctl(['target', 'garden', 'lo'], { session: s }).stdout).toContain(
      'Successfully targeted garden "lo"',
    );
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe('garden: local\n');
    const project = gctl(['target', 'project', 'dev'], { session: s });
    expect(project.code, project.stderr).toBe(0);
    expect(project.stderr).toContain('KUBECONFIG environment variable does not point to the current target');
    const target = gctl(['target', 'shoot', 'web'], { session: s });
    expect(target.code, target.stderr).toBe(0);
    expect(target.stdout).toContain('Successfully targeted shoot "web"');
    expect(target.stderr).toContain(
      'no kubeconfig for shoot "web": garden "local" answered 409: shoot "web" has no control plane yet',
    );
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe(
      'garden: local\nproject: dev\nseed: local\nshoot: web\n',
    );
    expect(JSON.parse(gctl(['target', 'view', '-o', 'json'], { session: s }).stdout)).toEqual({
      garden: 'local',
      project: 'dev',
      seed: 'local',
      shoot: 'web',
    });
    expect(readFileSync(join(sessionDir(s), 'target.yaml'), 'utf8')).toBe(
      'garden: local\nproject: dev\nseed: local\nshoot: web\n',
    );
    // Overrides apply to one command only.
    expect(gctl(['target', 'view', '--project', 'prod'], { session: s }).stdout).toBe(
      'garden: local\nproject: prod\n',
    );
    expect(gctl(['target', 'view'], { session: s }).stdout).toContain('shoot: web');
  });

  it('completes a shoot name alone to its project, and refuses an ambiguous one', () => {
    const s = 'partial';
    expect(gctl(['target', 'garden', 'local'], { session: s }).code).toBe(0);
    const api = gctl(['target', 'shoot', 'api'], { session: s });
    expect(api.code, api.stderr).toBe(0);
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe(
      'garden: local\nproject: prod\nseed: local\nshoot: api\n',
    );
    expect(gctl(['target', 'unset', 'project'], { session: s }).stdout).toBe(
      'Successfully unset targeted project "prod"\n',
    );
    const ambiguous = gctl(['target', 'shoot', 'web'], { session: s });
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('shoot "web" exists in several projects: dev, prod');
    expect(ambiguous.stderr).toContain('gardenctl target --project dev --shoot web');
    const flags = gctl(['target', '--garden', 'local', '--project', 'prod', '--shoot', 'web'], {
      session: s,
    });
    expect(flags.code, flags.stderr).toBe(0);
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe(
      'garden: local\nproject: prod\nseed: local\nshoot: web\n',
    );
  });

  it('suggests the nearest names for misspelt gardens, projects and shoots', () => {
    const s = 'typos';
    const garden = gctl(['target', 'garden', 'locl'], { session: s });
    expect(garden.code).toBe(1);
    expect(garden.stderr).toContain(
      'garden "locl" is not defined in gardenctl configuration: did you mean "lo" or "local"?',
    );
    expect(gctl(['target', 'garden', 'local'], { session: s }).code).toBe(0);
    const project = gctl(['target', 'project', 'prd'], { session: s });
    expect(project.code).toBe(1);
    expect(project.stderr).toContain('project "prd" not found in garden "local": did you mean "prod"?');
    const shoot = gctl(['target', 'shoot', 'dmeo'], { session: s });
    expect(shoot.code).toBe(1);
    expect(shoot.stderr).toContain('shoot "dmeo" not found in garden "local": did you mean "demo"?');
    // A failed target leaves the previous one in place.
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe('garden: local\n');
  });

  it('targets by a pasted URL or name through the configured patterns', () => {
    const s = 'patterns';
    const url = gctl(['target', 'https://dashboard.local/namespace/garden-prod/shoots/web'], { session: s });
    expect(url.code, url.stderr).toBe(0);
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe(
      'garden: local\nproject: prod\nseed: local\nshoot: web\n',
    );
    const technical = gctl(['target', 'shoot--dev--demo'], { session: s });
    expect(technical.code, technical.stderr).toBe(0);
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe(
      'garden: local\nproject: dev\nseed: local\nshoot: demo\n',
    );
    const nothing = gctl(['target', 'https://elsewhere/x'], { session: s });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('"https://elsewhere/x" does not match any pattern');
    const conflict = gctl(['target', 'shoot--dev--demo', '--project', 'prod'], { session: s });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('--project=prod contradicts pattern (project=dev)');
  });

  it('keeps two sessions side by side, and unsets level by level', () => {
    expect(gctl(['target', '--garden', 'local', '--project', 'dev'], { session: 'left' }).code).toBe(0);
    expect(gctl(['target', '--garden', 'local', '--shoot', 'api'], { session: 'right' }).code).toBe(0);
    expect(gctl(['target', 'view'], { session: 'left' }).stdout).toBe('garden: local\nproject: dev\n');
    expect(gctl(['target', 'view'], { session: 'right' }).stdout).toBe(
      'garden: local\nproject: prod\nseed: local\nshoot: api\n',
    );
    expect(gctl(['target', 'unset', 'shoot'], { session: 'right' }).stdout).toBe(
      'Successfully unset targeted shoot "api"\n',
    );
    expect(gctl(['target', 'view'], { session: 'right' }).stdout).toBe('garden: local\nproject: prod\n');
    const none = gctl(['target', 'unset', 'shoot'], { session: 'right' });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no shoot targeted: run gardenctl target shoot NAME');
    expect(gctl(['target', 'unset', 'garden'], { session: 'right' }).code).toBe(0);
    expect(gctl(['target', 'view'], { session: 'right' }).stdout).toBe('{}\n');
    expect(existsSync(join(sessionDir('right'), 'kubeconfig.yaml'))).toBe(false);
    expect(gctl(['target', 'view'], { session: 'left' }).stdout).toBe('garden: local\nproject: dev\n');
    const noGarden = gctl(['kubeconfig'], { session: 'right' });
    expect(noGarden.code).toBe(1);
    expect(noGarden.stderr).toContain(
      'no garden cluster targeted: run gardenctl target garden NAME (configured: lo, local)',
    );
  });

  it('kubectl-env points the pinned kubectl at the targeted project, where it lists shoots', () => {
    const s = 'kubectl';
    expect(gctl(['target', '--garden', 'local', '--project', 'dev'], { session: s }).code).toBe(0);
    const link = join(sessionDir(s), 'kubeconfig.yaml');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync(readlinkSync(link)).mode & 0o777).toBe(0o600);
    const env = gctl(['kubectl-env', 'bash'], { session: s });
    expect(env.stdout).toContain(`export KUBECONFIG='${link}';`);
    const script = `eval "$(${process.execPath} ${GARDENCTL} kubectl-env bash)" && ${binary('kubectl')} get shoots -o name`;
    const kubectl = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        GCTL_HOME: home,
        TMPDIR: join(dir, 'tmp'),
        GCTL_SESSION_ID: s,
        HOME: home,
      },
    });
    expect(kubectl.stderr).toBe('');
    expect(kubectl.stdout.trim().split('\n').sort()).toEqual([
      'shoot.core.gardener.cloud/demo',
      'shoot.core.gardener.cloud/web',
    ]);
    expect(gctl(['kubectl-env', '-u', 'fish'], { session: s }).stdout).toContain('set -e KUBECONFIG;');
    // A shoot target has no kubeconfig until the garden serves adminkubeconfig: say so, never point at the garden.
    expect(gctl(['target', 'shoot', 'demo'], { session: s }).code).toBe(0);
    expect(existsSync(link)).toBe(false);
    const shootEnv = gctl(['kubectl-env', 'bash'], { session: s });
    expect(shootEnv.code).toBe(1);
    expect(shootEnv.stderr).toContain('no kubeconfig for shoot "demo"');
  });

  it('prints kubeconfigs for a project (secrets redacted unless --raw) and answers provider-env for local', () => {
    const s = 'kubeconfig';
    expect(gctl(['target', 'garden', 'local'], { session: s }).code).toBe(0);
    const redacted = gctl(['kubeconfig', '--project', 'prod', '-o', 'json'], { session: s });
    expect(redacted.code, redacted.stderr).toBe(0);
    const config = JSON.parse(redacted.stdout);
    expect(config.contexts[0].context.namespace).toBe('garden-prod');
    expect(config.users[0].user.token).toBe('REDACTED');
    const raw = parse(gctl(['kubeconfig', '--project', 'prod', '--raw'], { session: s }).stdout);
    expect(raw.users[0].user.token).toBe(adminToken);
    expect(config.clusters[0].cluster['certificate-authority-data']).toBe('DATA+OMITTED');
    expect(gctl(['target', 'view'], { session: s }).stdout).toBe('garden: local\n');
    const local = gctl(['provider-env', 'bash', '--shoot', 'demo'], { session: s });
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toBe('');
    expect(local.stderr).toContain('no credentials: shoot "demo" runs on the local provider');
    const noShoot = gctl(['provider-env', 'bash'], { session: s });
    expect(noShoot.code).toBe(1);
    expect(noShoot.stderr).toContain('no shoot targeted: run gardenctl target shoot NAME');
  });

  it('completes live names of gardens, projects and shoots, also through bash', () => {
    const s = 'complete';
    const lines = (r: Result) => r.stdout.trim().split('\n');
    expect(lines(gctl(['__complete', 'target', 'garden', ''], { session: s }))).toEqual(['lo', 'local']);
    expect(lines(gctl(['__complete', 'tar'], { session: s }))).toEqual(['target']);
    expect(lines(gctl(['__complete', 'target', '--garden', 'local', 'project', ''], { session: s }))).toEqual(
      ['dev', 'prod'],
    );
    expect(gctl(['target', 'garden', 'local'], { session: s }).code).toBe(0);
    expect(lines(gctl(['__complete', 'target', 'project', ''], { session: s }))).toEqual(['dev', 'prod']);
    expect(lines(gctl(['__complete', 'target', 'shoot', ''], { session: s }))).toEqual([
      'api',
      'demo',
      'web',
    ]);
    expect(lines(gctl(['__complete', 'target', '--project', 'dev', 'shoot', ''], { session: s }))).toEqual([
      'demo',
      'web',
    ]);
    expect(lines(gctl(['__complete', 'target', 'view', '--shoot', 'd'], { session: s }))).toEqual(['demo']);
    expect(lines(gctl(['__complete', 'target', 'unset', ''], { session: s }))).toContain('shoot');
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'gardenctl'), `#!/bin/sh\nexec ${process.execPath} ${GARDENCTL} "$@"\n`, {
      mode: 0o755,
    });
    const script = `source <(gardenctl completion bash); COMP_WORDS=(gardenctl target shoot w); COMP_CWORD=3; __start_gardenctl; echo "\${COMPREPLY[@]}"`;
    const bash = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        GCTL_HOME: home,
        TMPDIR: join(dir, 'tmp'),
        GCTL_SESSION_ID: s,
        HOME: home,
      },
    });
    expect(bash.stdout.trim()).toBe('web');
  });

  it('says what to do when the garden is unreachable', () => {
    const down = join(dir, 'down.yaml');
    writeFileSync(down, readFileSync(kubeconfigFile, 'utf8').replace(apiUrl, 'https://127.0.0.1:9'));
    const env = { GCTL_CONFIG_NAME: 'down' };
    expect(gctl(['config', 'set-garden', 'down', '--kubeconfig', down], { env }).code).toBe(0);
    const r = gctl(['target', '--garden', 'down', '--project', 'dev'], { env, session: 'down' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach garden "down" at https://127.0.0.1:9: ECONNREFUSED');
    expect(r.stderr).toContain('check that the garden API is running');
  });

  it('resolve garden|project|seed|shoot prints what the target stands for, as gardenctl-v2', () => {
    const s = 'resolve';
    expect(
      gctl(['target', '--garden', 'lo', '--project', 'dev', '--shoot', 'demo'], { session: s }).code,
    ).toBe(0);
    expect(gctl(['resolve', 'garden'], { session: s }).stdout).toBe('garden:\n  alias: lo\n  name: local\n');
    const shootYaml = gctl(['resolve', 'shoot'], { session: s });
    expect(shootYaml.code, shootYaml.stderr).toBe(0);
    expect(shootYaml.stdout).toBe(
      'garden:\n  alias: lo\n  name: local\nproject:\n  name: dev\n  namespace: garden-dev\nseed:\n  name: local\nshoot:\n  name: demo\n  namespace: garden-dev\n',
    );
    const json = gctl(
      ['resolve', 'shoot', '--garden', 'local', '--project', 'prod', '--shoot', 'web', '-o', 'json'],
      {
        session: s,
      },
    );
    expect(json.code, json.stderr).toBe(0);
    const resolved = JSON.parse(json.stdout);
    expect(Object.keys(resolved)).toEqual(['garden', 'project', 'shoot', 'seed']);
    expect(resolved).toEqual({
      garden: { name: 'local', alias: 'lo' },
      project: { name: 'prod', namespace: 'garden-prod' },
      shoot: { name: 'web', namespace: 'garden-prod' },
      seed: { name: 'local' },
    });
    expect(JSON.parse(gctl(['resolve', 'project', '-o', 'json'], { session: s }).stdout)).toEqual({
      garden: { name: 'local', alias: 'lo' },
      project: { name: 'dev', namespace: 'garden-dev' },
    });
    expect(JSON.parse(gctl(['resolve', 'seed', '-o', 'json'], { session: s }).stdout).seed).toEqual({
      name: 'local',
    });
    expect(
      JSON.parse(gctl(['resolve', 'seed', '--garden', 'local', '--seed', 'local', '-o', 'json']).stdout),
    ).toEqual({
      garden: { name: 'local', alias: 'lo' },
      seed: { name: 'local' },
    });
    const noSeed = gctl(['resolve', 'seed', '--garden', 'local', '--seed', 'nope']);
    expect(noSeed.code).toBe(1);
    expect(noSeed.stderr).toContain('seed "nope" not found in garden "local": seeds there: local');
    const managed = gctl(['resolve', 'shoot', '--garden', 'local', '--seed', 'local']);
    expect(managed.code).toBe(1);
    expect(managed.stderr).toContain('seed "local" is not a managed seed');
    const controlPlane = gctl(['resolve', 'shoot', '--control-plane'], { session: s });
    expect(controlPlane.code).toBe(1);
    expect(controlPlane.stderr).toContain('seed "local" is not a managed seed');
    const noShoot = gctl(['resolve', 'shoot', '--garden', 'local', '--project', 'dev']);
    expect(noShoot.code).toBe(1);
    expect(noShoot.stderr).toContain('no shoot targeted: run gardenctl target shoot NAME');
    expect(gctl(['resolve', 'garden'], { session: 'resolve-none' }).stderr).toContain(
      'no garden cluster targeted',
    );
  });

  it('-v 6 logs each request to the garden, -v 7 also its headers with the credentials masked', () => {
    const quiet = gctl(['target', '--garden', 'local', '--project', 'dev'], { session: 'verbose' });
    expect(quiet.stderr).not.toMatch(/^I\d{4} /m);
    const six = gctl(['-v', '6', 'target', 'project', 'dev'], { session: 'verbose' });
    expect(six.code, six.stderr).toBe(0);
    expect(six.stderr).toMatch(
      new RegExp(
        `^I\\d{4} [\\d:.]+ +\\d+ gardenctl\\] "GET ${apiUrl}${CORE}/projects/dev 200 OK in \\d+ milliseconds"$`,
        'm',
      ),
    );
    expect(six.stderr).not.toContain('authorization');
    const seven = gctl(['target', 'project', 'dev', '--v=7'], { session: 'verbose' });
    expect(seven.stderr).toContain('authorization: Bearer <masked>');
    expect(seven.stderr).not.toContain(adminToken);
    expect(gctl(['target', 'view', '--garden', 'local', '-v1'], { session: 'verbose' }).stderr).toContain(
      '"Using config file"',
    );
    const bad = gctl(['target', 'view', '-v', 'high'], { session: 'verbose' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid argument "high" for "-v, --v" flag');
  });

  it('--admin, --viewer, --access-level and the garden default choose the shoot kubeconfig asked for', async () => {
    const s = 'access';
    const asked = (r: Result) =>
      [...r.stderr.matchAll(/POST \S+\/shoots\/web\/(\w+)kubeconfig (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
    const base = ['target', '--garden', 'local', '--project', 'dev', '--shoot', 'web', '-v', '6'];
    expect(asked(gctl(base, { session: s }))).toEqual(['admin 409']);
    expect(asked(gctl([...base, '--viewer'], { session: s }))).toEqual(['viewer 409']);
    expect(
      asked(gctl(['target', 'shoot', 'web', '--access-level', 'viewer', '-v', '6'], { session: s })),
    ).toEqual(['viewer 409']);
    const both = gctl([...base, '--admin', '--viewer'], { session: s });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain(
      'if any flags in the group [access-level admin viewer] are set none of the others can be',
    );
    expect(asked(gctl(['kubeconfig', '--viewer', '-v', '6'], { session: s }))).toEqual(['viewer 409']);
    // kubectl-env only points at the session's kubeconfig, made by the last target: it says so
    const linked = gctl(['kubectl-env', 'bash', '--viewer'], { session: s });
    expect(linked.stderr).toContain('--access-level has no effect with linkKubeconfig: true (the default)');

    // the garden's default, until a flag says otherwise
    const set = gctl(['config', 'set-garden', 'local', '--default-shoot-access-level', 'viewer']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain('Run `gardenctl target` again for the new access level to take effect');
    const garden = JSON.parse(gctl(['config', 'view', '-o', 'json']).stdout).gardens.find(
      (g: { identity: string }) => g.identity === 'local',
    );
    expect(garden.kubeconfigAccessLevelDefaults).toEqual({ shoots: 'viewer' });
    expect(asked(gctl(base, { session: s }))).toEqual(['viewer 409']);
    expect(asked(gctl([...base, '--admin'], { session: s }))).toEqual(['admin 409']);
    const invalid = gctl(['config', 'set-garden', 'local', '--default-shoot-access-level', 'root']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(
      'invalid kubeconfig access level "root": must be one of "admin", "viewer", "auto"',
    );
    expect(gctl(['config', 'set-garden', 'local', '--default-shoot-access-level', '']).code).toBe(0);
    const cleared = JSON.parse(gctl(['config', 'view', '-o', 'json']).stdout).gardens.find(
      (g: { identity: string }) => g.identity === 'local',
    );
    expect(cleared.kubeconfigAccessLevelDefaults).toBeUndefined();
    expect(asked(gctl(base, { session: s }))).toEqual(['admin 409']);

    // auto: a project viewer is refused the admin kubeconfig, and gets the viewer one
    const viewed = exampleProject('viewed');
    viewed.spec.members = [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob@example.com', role: 'viewer' },
    ];
    expect(await post(`${CORE}/projects`, viewed)).toBe(201);
    expect(await post(`${CORE}/namespaces/garden-viewed/shoots`, shoot('web', 'garden-viewed'))).toBe(201);
    const issued = await postFor('/apis/auth.gardener-ts.io/v1alpha1/usertokens', {
      spec: { user: 'bob@example.com' },
    });
    expect(issued.status, issued.body).toBe(201);
    const bobKubeconfig = join(dir, 'bob.yaml');
    const token = JSON.parse(issued.body).status.token as string;
    writeFileSync(bobKubeconfig, readFileSync(kubeconfigFile, 'utf8').replace(adminToken, token), {
      mode: 0o600,
    });
    const env = { GCTL_CONFIG_NAME: 'bob' };
    expect(gctl(['config', 'set-garden', 'bobs', '--kubeconfig', bobKubeconfig], { env }).code).toBe(0);
    const auto = gctl(
      [
        'target',
        '--garden',
        'bobs',
        '--project',
        'viewed',
        '--shoot',
        'web',
        '--access-level',
        'auto',
        '-v',
        '6',
      ],
      { env, session: 'bob' },
    );
    expect(auto.code, auto.stderr).toBe(0);
    expect(asked(auto)).toEqual(['admin 403', 'viewer 409']);
  });

  it('works for a project member, who may only see their own projects', async () => {
    const hidden = exampleProject('hidden');
    hidden.spec.members = [];
    expect(await post(`${CORE}/projects`, hidden)).toBe(201);
    expect(await post(`${CORE}/namespaces/garden-hidden/shoots`, shoot('secret', 'garden-hidden'))).toBe(201);
    const issued = await postFor('/apis/auth.gardener-ts.io/v1alpha1/usertokens', {
      spec: { user: 'alice@example.com' },
    });
    expect(issued.status, issued.body).toBe(201);
    const token = JSON.parse(issued.body).status.token as string;
    const aliceKubeconfig = join(dir, 'alice.yaml');
    writeFileSync(aliceKubeconfig, readFileSync(kubeconfigFile, 'utf8').replace(adminToken, token), {
      mode: 0o600,
    });
    const env = { GCTL_CONFIG_NAME: 'alice' };
    const s = 'alice';
    expect(gctl(['config', 'set-garden', 'mine', '--kubeconfig', aliceKubeconfig], { env }).code).toBe(0);
    const api = gctl(['target', '--garden', 'mine', '--shoot', 'api'], { env, session: s });
    expect(api.code, api.stderr).toBe(0);
    expect(gctl(['target', 'view'], { env, session: s }).stdout).toBe(
      'garden: mine\nproject: prod\nseed: local\nshoot: api\n',
    );
    expect(gctl(['target', 'unset', 'project'], { env, session: s }).code).toBe(0);
    expect(gctl(['__complete', 'target', 'shoot', ''], { env, session: s }).stdout).toBe('api\ndemo\nweb\n');
    const secret = gctl(['target', 'shoot', 'secret'], { env, session: s });
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain('shoot "secret" not found in garden "mine"');
    const forbidden = gctl(['target', 'project', 'hidden'], { env, session: s });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('garden "mine" forbids this (403)');
  });
});
