/**
 * `gardenctl ssh` and `ssh-patch` as a user runs them (the BUILT gardenctl), against a real HTTPS
 * garden on a throw-away database. No gardenlet runs here: the test plays its part for bastions
 * (status Ready with an address and host key) when asked, and the shoot's nodes come from its
 * Machine objects. The real SSH path is in test/bastion-ssh.test.ts.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type Bastion,
  exampleCloudProfile,
  exampleProject,
  exampleSeed,
  exampleShoot,
  requireResourceByKind,
} from '@gardener-ts/api';
import { createTestDatabase, openStore, ResourceService, type Store } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../gardener-api/src/testing/server.js';

const APP = fileURLToPath(new URL('../', import.meta.url));
const GARDENCTL = join(APP, 'dist/main.js');
const BASTION = requireResourceByKind('Bastion');
const NAMESPACE = 'garden-dev';
const NODES = '10.249.5.0/24';
/** where the pretend bastions are: nothing listens on port 22 there, so ssh fails at once */
const BASTION_IP = '127.0.0.1';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let home: string;
let store: Store;
let resources: ResourceService;
let server: RunningServer | undefined;
let gardenletOn = false;
let gardenlet: NodeJS.Timeout | undefined;
/** what the pretend gardenlet writes as a ready bastion's address and keys, when not the usual */
let pretendBastion: { ingress: object; sshHostKeys: unknown } | undefined;

const publicKeyOf = (name: string) => readFileSync(join(dir, `${name}.pub`), 'utf8').trim();

function env(session: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GCTL_HOME: home,
    TMPDIR: join(dir, 'tmp'),
    GCTL_SESSION_ID: session,
  };
}

function gctl(args: string[], session = 'ssh-a') {
  const run = spawnSync(process.execPath, [GARDENCTL, ...args], { env: env(session), encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** gardenctl in the background: the test's pretend gardenlet keeps running meanwhile */
function gctlAsync(
  args: string[],
  session: string,
): { child: ChildProcess; done: Promise<Result>; stdout(): string } {
  const child = spawn(process.execPath, [GARDENCTL, ...args], {
    env: env(session),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Result>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout };
}

const gctlWaiting = (args: string[], session = 'ssh-a') => gctlAsync(args, session).done;

function targetShoot(session: string): void {
  const r = gctl(['target', '--garden', 'local', '--project', 'dev', '--shoot', 'demo'], session);
  expect(r.code, r.stderr).toBe(0);
}

const sessionFiles = (session: string) => readdirSync(join(dir, 'tmp', 'garden', session));
const bastions = async () => (await resources.list(BASTION, NAMESPACE, {})).items as unknown as Bastion[];

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

/** what the gardenlet would write once the provider made the bastion */
async function makeBastionsReady(): Promise<void> {
  for (const bastion of await bastions()) {
    if (bastion.status?.conditions || bastion.metadata.deletionTimestamp) continue;
    await resources.patch(
      BASTION,
      NAMESPACE,
      bastion.metadata.name ?? '',
      'merge',
      {
        status: {
          ...(pretendBastion ?? { ingress: { ip: BASTION_IP }, sshHostKeys: [publicKeyOf('bastion_host')] }),
          conditions: [{ type: 'BastionReady', status: 'True', reason: 'Ready', message: 'ready' }],
        },
      },
      { subresource: 'status' },
    );
  }
}

beforeAll(async () => {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: APP, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building gardenctl failed:\n${build.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'gts-gardenctl-ssh-'));
  home = join(dir, 'home');
  for (const name of ['shoot', 'node_host', 'bastion_host', 'mine']) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  }
  db = await createTestDatabase('gts_gardenctl_ssh');
  const keyFile = join(dir, 'secrets.key');
  store = await openStore({ databaseUrl: db.url, keyFile });
  resources = new ResourceService(store.repository, store.watches);
  const kubeconfig = join(dir, 'garden.kubeconfig');
  server = await startServer({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    GARDENER_DATA_DIR: dir,
    GARDENER_KEY_FILE: keyFile,
    GARDENER_TLS: 'on',
    GARDENER_KUBECONFIG: kubeconfig,
    GARDENER_QUEUE_PREFIX: `gts-gardenctl-ssh-${process.pid}`,
  });
  await resources.create(requireResourceByKind('CloudProfile'), undefined, exampleCloudProfile());
  const seed = exampleSeed();
  seed.spec.networks.shootDefaults = { nodes: '10.249.0.0/16' }; // the range NODES is from
  await resources.create(requireResourceByKind('Seed'), undefined, seed);
  await resources.create(requireResourceByKind('Project'), undefined, exampleProject('dev'));
  const shoot = exampleShoot('demo', NAMESPACE);
  shoot.spec.seedName = 'local';
  shoot.spec.networking = { ...shoot.spec.networking, nodes: NODES };
  await resources.create(requireResourceByKind('Shoot'), NAMESPACE, shoot);
  await resources.create(requireResourceByKind('Secret'), NAMESPACE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'demo.ssh-keypair' },
    data: {
      id_ed25519: readFileSync(join(dir, 'shoot')).toString('base64'),
      'id_ed25519.pub': Buffer.from(publicKeyOf('shoot')).toString('base64'),
    },
  });
  const machine = {
    apiVersion: 'machine.sapcloud.io/v1alpha1',
    kind: 'Machine',
    metadata: {
      name: 'node-a',
      labels: { 'shoot.gardener.cloud/name': 'demo' },
      annotations: { 'node.gardener-ts.io/ssh-host-keys': publicKeyOf('node_host') },
    },
    spec: { class: { kind: 'MachineClass', name: 'demo-pool-a-z1' } },
  };
  await resources.create(requireResourceByKind('Machine'), NAMESPACE, machine);
  await resources.patch(
    requireResourceByKind('Machine'),
    NAMESPACE,
    'node-a',
    'merge',
    { status: { node: 'node-a', addresses: [{ type: 'InternalIP', address: '10.249.5.2' }] } },
    { subresource: 'status' },
  );
  gardenlet = setInterval(() => {
    if (gardenletOn) makeBastionsReady().catch(() => undefined);
  }, 100);
  const set = gctl(['config', 'set-garden', 'local', '--kubeconfig', kubeconfig]);
  expect(set.code, set.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  clearInterval(gardenlet);
  await server?.stop();
  await store?.close();
  await db?.drop();
  spawnSync('bash', [
    '-c',
    `command -v redis-cli >/dev/null && redis-cli --scan --pattern 'gts-gardenctl-ssh-${process.pid}*' | xargs -r redis-cli del >/dev/null`,
  ]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gardenctl ssh', () => {
  it('explains its flags, and answers mistakes in them with exit code 1 (as gardenctl-v2) and what to do', () => {
    const help = gctl(['ssh', '--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--cidr',
      '--interactive',
      '--keep-bastion',
      '--public-key-file',
      '--private-key-file',
      '--wait-timeout',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const halfPair = gctl(['ssh', 'node-a', '--public-key-file', join(dir, 'mine.pub')]);
    expect(halfPair.code).toBe(1);
    expect(halfPair.stderr).toContain('--public-key-file and --private-key-file go together');
    const timeout = gctl(['ssh', 'node-a', '--wait-timeout', 'soon']);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toContain('want a duration such as 10m');
    const cidr = gctl(['ssh', 'node-a', '--cidr', '10.249.5.1/24']);
    expect(cidr.code).toBe(1);
    expect(cidr.stderr).toContain('use 10.249.5.0/24');
    expect(gctl(['ssh', 'a', 'b']).code).toBe(1);
  });

  it('needs a targeted shoot', () => {
    const r = gctl(['ssh'], 'ssh-untargeted');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no garden cluster targeted');
    gctl(['target', 'project', 'dev', '--garden', 'local'], 'ssh-untargeted');
    const noShoot = gctl(['ssh'], 'ssh-untargeted');
    expect(noShoot.code).toBe(1);
    expect(noShoot.stderr).toContain('no shoot targeted: run gardenctl target shoot NAME');
  });

  it("without NODE lists the shoot's nodes and makes no bastion", async () => {
    targetShoot('ssh-a');
    const r = gctl(['ssh']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+INTERNAL-IP\s+READY$/);
    expect(r.stdout).toMatch(/^node-a\s+10\.249\.5\.2\s+Unknown$/m);
    expect(r.stderr).toContain('gardenctl ssh NODE');
    expect(await bastions()).toEqual([]);
    const unknown = gctl(['ssh', 'node-z']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('node "node-z" not found in shoot "demo": nodes there: node-a');
  });

  it('--interactive=false --keep-bastion --no-keepalive: a bastion for the detected address, then the ssh command; bastion and files stay', async () => {
    gardenletOn = true;
    const r = await gctlWaiting([
      'ssh',
      'node-a',
      '--interactive=false',
      '--keep-bastion',
      '--no-keepalive',
      '--skip-availability-check',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [command, ...rest] = r.stdout.trim().split('\n');
    expect(rest).toEqual([]);
    const match = /^ssh -F (\S+\/ssh_config) node-a$/.exec(command ?? '');
    expect(match, command).toBeTruthy();
    const config = readFileSync(match?.[1] ?? '', 'utf8');
    const workspace = join(match?.[1] ?? '', '..');
    expect(statSync(workspace).mode & 0o777).toBe(0o700);
    expect(config).toContain(`Host gardenctl-bastion\n  HostName ${BASTION_IP}\n  User gardener`);
    expect(config).toMatch(
      /Host node-a\n {2}HostName 10\.249\.5\.2\n {2}User gardener\n[\s\S]*ProxyJump gardenctl-bastion/,
    );
    expect(config).not.toContain('accept-new');
    const knownHosts = readFileSync(join(workspace, 'known_hosts'), 'utf8');
    expect(knownHosts).toBe(
      `${BASTION_IP} ${publicKeyOf('bastion_host')}\n10.249.5.2 ${publicKeyOf('node_host')}\n`,
    );
    for (const key of ['id_ed25519', 'node_id_ed25519'])
      expect(statSync(join(workspace, key)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(workspace, 'node_id_ed25519'), 'utf8')).toBe(
      readFileSync(join(dir, 'shoot'), 'utf8'),
    );
    expect(r.stdout + r.stderr).not.toContain('PRIVATE KEY');

    const [bastion] = await bastions();
    expect(bastion?.metadata.name).toMatch(/^cli-[a-z0-9]{8}$/);
    const source = /src (\S+)/.exec(
      execFileSync('ip', ['-4', 'route', 'get', '10.249.5.1'], { encoding: 'utf8' }),
    )?.[1];
    expect(bastion?.spec).toMatchObject({
      shootRef: { name: 'demo' },
      ingress: [{ ipBlock: { cidr: `${source}/32` } }],
      sshPublicKey: readFileSync(join(workspace, 'id_ed25519.pub'), 'utf8').trim(),
    });
    expect(r.stderr).toContain(`kubectl delete bastion ${bastion?.metadata.name} -n ${NAMESPACE}`);
  });

  it('ssh-patch sets the CIDRs of the one bastion of the shoot, or of the one named', async () => {
    const [bastion] = await bastions();
    const r = gctl(['ssh-patch', '--cidr', '192.0.2.0/24', '--cidr', '198.51.100.7/32']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `patched bastion ${bastion?.metadata.name}: it accepts SSH from 192.0.2.0/24, 198.51.100.7/32`,
    );
    const [patched] = await bastions();
    expect(patched?.spec.ingress).toEqual([
      { ipBlock: { cidr: '192.0.2.0/24' } },
      { ipBlock: { cidr: '198.51.100.7/32' } },
    ]);
    expect(gctl(['ssh-patch', bastion?.metadata.name ?? '', '--cidr', '192.0.2.0/24']).code).toBe(0);
    const missing = gctl(['ssh-patch', 'cli-nothere']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('bastion "cli-nothere" not found');
    await resources.delete(BASTION, NAMESPACE, bastion?.metadata.name ?? '');
    const none = gctl(['ssh-patch']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no bastion of gardenctl for shoot "demo"');
  });

  it('interactive: when ssh fails, says so, and removes the bastion and every key file', async () => {
    gardenletOn = true;
    targetShoot('ssh-b');
    const r = await gctlWaiting(
      ['ssh', 'node-a', '--cidr', '10.249.5.1/32', '--skip-availability-check'],
      'ssh-b',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: ssh exited with status 255');
    expect(r.stderr).toMatch(/Deleted bastion cli-[a-z0-9]{8}/);
    expect(await bastions()).toEqual([]);
    expect(sessionFiles('ssh-b').filter((f) => f.startsWith('ssh-'))).toEqual([]);
  });

  it('uses the key pair given, and keeps bastion and files with --keep-bastion', async () => {
    gardenletOn = true;
    targetShoot('ssh-c');
    const r = await gctlWaiting(
      [
        'ssh',
        'node-a',
        '--cidr',
        '10.249.5.1/32',
        '--keep-bastion',
        '--skip-availability-check',
        '--public-key-file',
        join(dir, 'mine.pub'),
        '--private-key-file',
        join(dir, 'mine'),
      ],
      'ssh-c',
    );
    expect(r.code).toBe(1);
    const [bastion] = await bastions();
    expect(bastion?.spec.sshPublicKey).toBe(publicKeyOf('mine'));
    expect(r.stderr).toContain(`Bastion ${bastion?.metadata.name} and the files in`);
    const [workspace] = sessionFiles('ssh-c').filter((f) => f.startsWith('ssh-'));
    expect(
      readFileSync(join(dir, 'tmp', 'garden', 'ssh-c', workspace ?? '', 'ssh_config'), 'utf8'),
    ).toContain(`IdentityFile "${join(dir, 'mine')}"`);
    await resources.delete(BASTION, NAMESPACE, bastion?.metadata.name ?? '');
  });

  it('gives up after --wait-timeout, and leaves nothing behind', async () => {
    gardenletOn = false;
    targetShoot('ssh-d');
    const r = await gctlWaiting(
      ['ssh', 'node-a', '--cidr', '10.249.5.1/32', '--wait-timeout', '2s'],
      'ssh-d',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bastion "cli-[a-z0-9]{8}" did not become ready within 2 s/);
    expect(r.stderr).toContain('--wait-timeout');
    expect(r.stderr).toContain('Waiting for bastion');
    expect(await bastions()).toEqual([]);
    expect(sessionFiles('ssh-d').filter((f) => f.startsWith('ssh-'))).toEqual([]);
  });

  it('on Ctrl-C (SIGINT) while waiting removes the bastion and the keys, and exits 1 (as gardenctl-v2)', async () => {
    gardenletOn = false;
    targetShoot('ssh-e');
    const { child, done } = gctlAsync(['ssh', 'node-a', '--cidr', '10.249.5.1/32'], 'ssh-e');
    await until(async () => ((await bastions()).length > 0 ? true : undefined));
    child.kill('SIGINT');
    const { code, stderr } = await done;
    expect(code).toBe(1);
    expect(stderr).toContain('interrupted (SIGINT)');
    expect(await bastions()).toEqual([]);
    expect(sessionFiles('ssh-e').filter((f) => f.startsWith('ssh-'))).toEqual([]);
    expect(existsSync(join(dir, 'tmp', 'garden', 'ssh-e'))).toBe(true);
  });
});

/** A pretend SSH server: it greets as one and hangs up (enough for the availability check). */
function sshGreeter(host: string): Promise<{ port: number; close(): void }> {
  const server = createServer((socket) => socket.end('SSH-2.0-pretend\r\n'));
  return new Promise((resolve) =>
    server.listen(0, host, () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
    ),
  );
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const greeter = await sshGreeter('127.0.0.1');
  greeter.close();
  return greeter.port;
}

const OPERATION = 'gardener.cloud/operation';
const leave = ['--interactive=false', '--keep-bastion', '--no-keepalive'];
const myKeys = () => ['--public-key-file', join(dir, 'mine.pub'), '--private-key-file', join(dir, 'mine')];

describe("gardenctl ssh's flags from gardenctl-v2", () => {
  it('refuses flags that do not go together, as gardenctl-v2 words it (exit code 1)', () => {
    const cases: [string[], string][] = [
      [['--no-keepalive', '--keep-bastion'], 'set --interactive=false when disabling keepalive'],
      [['--no-keepalive', '--interactive=false'], 'set --keep-bastion when disabling keepalive'],
      [['-o', 'json'], 'set --interactive=false when using the output flag'],
      [['--bastion-port', '70000'], 'bastion port must be a valid port number between 1 and 65535'],
      [['--bastion-name', 'Cli_X'], 'bastion name "Cli_X" is invalid'],
      [['--bastion-host', '-oProxyCommand=x'], 'invalid bastion-host'],
    ];
    for (const [flags, message] of cases) {
      const r = gctl(['ssh', 'node-a', ...flags]);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stderr).toContain(message);
    }
  });

  it('--bastion-name makes the bastion of that name, reuses it on the next run, and refuses it to another key', async () => {
    gardenletOn = true;
    targetShoot('flags-f');
    const named = ['ssh', 'node-a', ...leave, '--skip-availability-check', '--bastion-name', 'cli-mine'];
    const first = await gctlWaiting([...named, '--cidr', '10.249.5.1/32', ...myKeys()], 'flags-f');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('Creating bastion cli-mine for shoot demo');
    const second = await gctlWaiting([...named, '--cidr', '10.249.5.7/32', ...myKeys()], 'flags-f');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(
      'Reusing bastion cli-mine for shoot demo, accepting SSH from 10.249.5.7/32',
    );
    const all = await bastions();
    expect(all.map((b) => b.metadata.name)).toEqual(['cli-mine']);
    expect(all[0]?.spec.ingress).toEqual([{ ipBlock: { cidr: '10.249.5.7/32' } }]);
    const stranger = await gctlWaiting([...named, '--cidr', '10.249.5.1/32'], 'flags-f');
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('bastion "cli-mine" exists, and was made for another public SSH key');
    expect((await bastions()).map((b) => b.metadata.name)).toEqual(['cli-mine']);
    await resources.delete(BASTION, NAMESPACE, 'cli-mine');
  });

  it('-o json prints the connection information of the bastion as JSON', async () => {
    gardenletOn = true;
    targetShoot('flags-g');
    const r = await gctlWaiting(
      [
        'ssh',
        'node-a',
        ...leave,
        '--skip-availability-check',
        '--cidr',
        '10.249.5.1/32',
        '-o',
        'json',
        ...myKeys(),
      ],
      'flags-g',
    );
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    const [bastion] = await bastions();
    expect(info).toMatchObject({
      bastion: {
        name: bastion?.metadata.name,
        namespace: NAMESPACE,
        preferredAddress: BASTION_IP,
        port: '22',
        ip: BASTION_IP,
        hostname: '',
        publicKeyFile: join(dir, 'mine.pub'),
        privateKeyFile: join(dir, 'mine'),
        strictHostKeyChecking: 'yes',
      },
      nodeHostname: '10.249.5.2',
      nodes: [{ name: 'node-a', status: 'Unknown', ip: '10.249.5.2', hostname: '' }],
      user: 'gardener',
      nodeStrictHostKeyChecking: 'yes',
    });
    expect(readFileSync(info.nodePrivateKeyFiles[0], 'utf8')).toBe(readFileSync(join(dir, 'shoot'), 'utf8'));
    expect(readFileSync(info.sshConfigFile, 'utf8')).toContain('Host node-a');
    await resources.delete(BASTION, NAMESPACE, bastion?.metadata.name ?? '');
  });

  it('--no-keepalive sends no keepalive; without it gardenctl keeps the bastion alive until Ctrl-C, then removes it', async () => {
    gardenletOn = true;
    targetShoot('flags-h');
    const once = await gctlWaiting(
      ['ssh', 'node-a', ...leave, '--skip-availability-check', '--cidr', '10.249.5.1/32'],
      'flags-h',
    );
    expect(once.code, once.stderr).toBe(0);
    const [left] = await bastions();
    expect(left?.metadata.annotations?.[OPERATION]).toBeUndefined();
    await resources.delete(BASTION, NAMESPACE, left?.metadata.name ?? '');

    const held = gctlAsync(
      ['ssh', 'node-a', '--interactive=false', '--skip-availability-check', '--cidr', '10.249.5.1/32'],
      'flags-h',
    );
    const [alive] = await until(async () => {
      const all = await bastions();
      return all[0]?.status?.conditions ? all : undefined;
    });
    expect(alive?.metadata.annotations?.[OPERATION]).toBe('keepalive');
    await until(async () => (held.stdout().includes('ssh -F') ? true : undefined));
    held.child.kill('SIGINT');
    const r = await held.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ssh -F \S+ node-a$/m);
    expect(r.stderr).toContain('Press Ctrl-C to stop gardenctl, after which the bastion will be removed');
    expect(r.stderr).toContain(`Deleted bastion ${alive?.metadata.name}`);
    expect(await bastions()).toEqual([]);
  });

  it('--bastion-host and --bastion-port go into the ssh configuration, and the availability check waits for SSH there', async () => {
    gardenletOn = true;
    targetShoot('flags-i');
    const greeter = await sshGreeter('127.0.0.2');
    try {
      const r = await gctlWaiting(
        [
          'ssh',
          'node-a',
          ...leave,
          '--cidr',
          '10.249.5.1/32',
          '-o',
          'json',
          '--bastion-host',
          '127.0.0.2',
          '--bastion-port',
          String(greeter.port),
        ],
        'flags-i',
      );
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info.bastion).toMatchObject({
        preferredAddress: '127.0.0.2',
        port: String(greeter.port),
        ip: BASTION_IP,
      });
      const config = readFileSync(info.sshConfigFile, 'utf8');
      expect(config).toContain(`Host gardenctl-bastion\n  HostName 127.0.0.2\n  Port ${greeter.port}\n`);
      const knownHosts = readFileSync(info.bastion.userKnownHostsFiles[0], 'utf8');
      expect(knownHosts).toContain(`[127.0.0.2]:${greeter.port} ${publicKeyOf('bastion_host')}`);
    } finally {
      greeter.close();
    }
    for (const b of await bastions()) await resources.delete(BASTION, NAMESPACE, b.metadata.name ?? '');
  });

  it('without --skip-availability-check, a bastion that does not answer SSH is waited for until --wait-timeout', async () => {
    gardenletOn = true;
    targetShoot('flags-j');
    const port = String(await closedPort());
    const r = await gctlWaiting(
      ['ssh', 'node-a', '--cidr', '10.249.5.1/32', '--wait-timeout', '3s', '--bastion-port', port],
      'flags-j',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `bastion "cli-[a-z0-9]{8}" is ready, but ${BASTION_IP}:${port} does not accept SSH yet \\(ECONNREFUSED\\)`,
      ),
    );
    expect(r.stderr).toContain('--skip-availability-check');
    expect(await bastions()).toEqual([]);
  });
});

describe('gardenctl ssh with what others wrote into the API', () => {
  const MACHINE = requireResourceByKind('Machine');
  const pwned = () => join(dir, 'PWNED');

  async function machine(name: string, node: string, address: string, hostKeys: string): Promise<void> {
    await resources.create(MACHINE, NAMESPACE, {
      apiVersion: 'machine.sapcloud.io/v1alpha1',
      kind: 'Machine',
      metadata: {
        name,
        labels: { 'shoot.gardener.cloud/name': 'demo' },
        annotations: { 'node.gardener-ts.io/ssh-host-keys': hostKeys },
      },
      spec: { class: { kind: 'MachineClass', name: 'demo-pool-a-z1' } },
    });
    await resources.patch(
      MACHINE,
      NAMESPACE,
      name,
      'merge',
      { status: { node, addresses: [{ type: 'InternalIP', address: address }] } },
      { subresource: 'status' },
    );
  }

  /** refused with exit code 1 and what is wrong; no bastion, no file, and nothing ran */
  async function expectRefused(
    result: { code: number | null; stderr: string },
    session: string,
    message: RegExp,
  ): Promise<void> {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('gardenctl wrote no ssh configuration');
    expect(await bastions()).toEqual([]);
    expect(sessionFiles(session).filter((f) => f.startsWith('ssh-'))).toEqual([]);
    expect(existsSync(pwned())).toBe(false);
  }

  it('refuses a node whose Machine publishes a host key that is not one, or an address that is not an IP, and makes no bastion', async () => {
    const key = publicKeyOf('node_host');
    const cases: [string, string, string, RegExp][] = [
      [
        'evil-a',
        '10.249.5.3',
        `${key}\n@cert-authority * ${key}`,
        /refusing the SSH host key of node "evil-a": "@cert-authority/,
      ],
      [
        'evil-b',
        '10.249.5.3',
        `${key}\n10.249.5.2 ${key}`,
        /refusing the SSH host key of node "evil-b": "10\.249\.5\.2 /,
      ],
      [
        'evil-c',
        '10.249.5.3',
        `ssh-ed25519 not-base64`,
        /refusing the SSH host key of node "evil-c".* is not base64/,
      ],
      ['evil-d', '10.249.5.3', key.replace('ssh-ed25519', 'ssh-foo'), /has the unknown key type "ssh-foo"/],
      [
        'evil-e',
        `10.249.5.3\n  ProxyCommand touch ${pwned()}`,
        key,
        /refusing the address of node "evil-e": "10\.249\.5\.3\\n {2}ProxyCommand/,
      ],
      [
        'evil-f',
        'evil.example.com',
        key,
        /refusing the address of node "evil-f": "evil\.example\.com" is not an IP address/,
      ],
    ];
    gardenletOn = true;
    targetShoot('ssh-f');
    for (const [name, address, keys, message] of cases) {
      await machine(name, name, address, keys);
      try {
        const r = await gctlWaiting(['ssh', name, '--cidr', '10.249.5.1/32'], 'ssh-f');
        await expectRefused(r, 'ssh-f', message);
      } finally {
        await resources.delete(MACHINE, NAMESPACE, name);
      }
    }
  });

  it('refuses a node whose name is an ssh option, and shows names on the terminal escaped', async () => {
    gardenletOn = true;
    targetShoot('ssh-g');
    const evil = `-oProxyCommand=touch ${pwned()}\u001b[2J`;
    await machine('evil-g', evil, '10.249.5.3', publicKeyOf('node_host'));
    try {
      const list = gctl(['ssh'], 'ssh-g');
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).not.toContain('\u001b');
      expect(list.stdout).toContain('"-oProxyCommand=touch');
      const all = await gctlWaiting(['ssh', '--interactive=false', '--cidr', '10.249.5.1/32'], 'ssh-g');
      await expectRefused(
        all,
        'ssh-g',
        /refusing the name of a node: "-oProxyCommand=touch .*\\u001b\[2J" is not a DNS name/,
      );
      expect(all.stderr).not.toContain('\u001b');
    } finally {
      await resources.delete(MACHINE, NAMESPACE, 'evil-g');
    }
  });

  it('refuses a bastion whose address or host keys are not what they claim, and deletes it', async () => {
    const key = publicKeyOf('bastion_host');
    const cases: [object, unknown, RegExp][] = [
      [
        { ip: `${BASTION_IP}\n  ProxyCommand touch ${pwned()}` },
        [key],
        /refusing the address of bastion "cli-[a-z0-9]{8}": .* is not an IP address/,
      ],
      [{ ip: `${BASTION_IP} -oProxyCommand=x` }, [key], /is not an IP address/],
      [
        { hostname: `bastion.example.com\n  ProxyCommand touch ${pwned()}` },
        [key],
        /refusing the hostname of bastion "cli-[a-z0-9]{8}": .* is not a DNS name/,
      ],
      [
        { ip: BASTION_IP },
        [`${key}\n@cert-authority * ${key}`],
        /refusing the SSH host key of bastion "cli-[a-z0-9]{8}"/,
      ],
      [{ ip: BASTION_IP }, [`@cert-authority * ${key}`], /known_hosts marker @cert-authority/],
      [{ ip: BASTION_IP }, [key.replace(/ (\S+)/, ' $1*')], /is not base64/],
    ];
    gardenletOn = true;
    targetShoot('ssh-h');
    try {
      for (const [ingress, sshHostKeys, message] of cases) {
        pretendBastion = { ingress, sshHostKeys };
        const r = await gctlWaiting(['ssh', 'node-a', '--cidr', '10.249.5.1/32'], 'ssh-h');
        await expectRefused(r, 'ssh-h', message);
        expect(r.stderr).toMatch(/Deleted bastion cli-[a-z0-9]{8}/);
      }
    } finally {
      pretendBastion = undefined;
    }
  });

  it('refuses a --user that is an option or breaks the configuration (exit code 1, as gardenctl-v2)', () => {
    for (const user of ['-oProxyCommand=x', 'root\nProxyCommand x', '%u']) {
      const r = gctl(['ssh', 'node-a', '--user', user]);
      expect(r.code, user).toBe(1);
      expect(r.stderr).toContain('for flag --user');
    }
  });
});
