// `gardenctl ssh` end to end: a `local` shoot with one machine, the gardenlet with its Bastion
// controller, the garden API, and the built gardenctl driven through a pseudo-terminal (script(1))
// as a user at a terminal would. SSH is the system OpenSSH, through a real bastion container.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Bastion, exampleShoot, timestamp } from '@gardener-ts/api';
import { removeLocalNetwork } from '@gardener-ts/infra/stacks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarden, type Garden, kind, SHOOT, until } from './support/garden.js';
import { expectNothingLeft } from './support/leftovers.js';
import { type GardenServices, startGardenServices } from './support/services.js';

const run = promisify(execFile);
const NAME = 'bssh';
const GARDENCTL = new URL('../apps/gardenctl/dist/main.js', import.meta.url).pathname;
const BASTION = kind('Bastion');

const CONTROL_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[?0-9;]*[A-Za-z]`, 'g');

/** A command on a pseudo-terminal: what it prints, what to type, how it ended. */
class Terminal {
  private output = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(command: string, env: NodeJS.ProcessEnv) {
    this.child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // without terminal control sequences (bracketed paste, colours): the text a user reads
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString().replace(CONTROL_SEQUENCE, '');
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /** runs a shell line on the far side; the marker is spelt so that only its output matches, not its echo */
  async shell(line: string, timeoutMs = 20_000): Promise<string> {
    const marker = `__done_${Math.random().toString(36).slice(2, 8)}__`;
    const from = this.output.length;
    this.type(`${line}; echo ${marker.slice(0, 4)}""${marker.slice(4)}\r`);
    await this.waitFor(new RegExp(`^${marker}`, 'm'), timeoutMs, from);
    const text = this.output.slice(from).replaceAll('\r', '');
    return text.slice(0, text.lastIndexOf(marker));
  }

  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<void> {
    await until(async () => (pattern.test(this.output.slice(from)) ? true : undefined), timeoutMs).catch(
      () => {
        throw new Error(
          `no ${pattern} within ${timeoutMs} ms; the terminal shows:\n${this.output.slice(-3000)}`,
        );
      },
    );
  }

  get text(): string {
    return this.output;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

describe('gardenctl ssh into a node of a local shoot', () => {
  let garden: Garden;
  let services: GardenServices;
  let technicalId = '';
  let node = '';
  // the third octet of the shoot's node network (10.10.<octet>.0/24), which no other e2e file picks
  let nodeOctet = 0;
  let gctlEnv: NodeJS.ProcessEnv;
  const bastionRunc = () => join(garden.root, 'machines', 'bastions', 'runc');
  const sessionDir = () => join(garden.root, 'tmp', 'garden', 'e2e-ssh');

  const bastions = async () =>
    (await garden.resources.list(BASTION, garden.namespace, {})).items as unknown as Bastion[];
  const bastionContainers = async () =>
    (await run('runc', ['--root', bastionRunc(), 'list', '-q']).catch(() => ({ stdout: '' }))).stdout.trim();
  const workspaces = () => readdirSync(sessionDir()).filter((f) => f.startsWith('ssh-'));
  const gctl = (...args: string[]) => run(process.execPath, [GARDENCTL, ...args], { env: gctlEnv });

  /** no Bastion object, no bastion container, no key file of gardenctl */
  const nothingOfBastionsLeft = async () => {
    await until(async () => ((await bastions()).length === 0 ? true : undefined), 30_000);
    expect(await bastionContainers()).toBe('');
    expect(workspaces()).toEqual([]);
  };

  beforeAll(async () => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], {
      cwd: new URL('../apps/gardenctl/', import.meta.url).pathname,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`building gardenctl failed:\n${build.stderr}`);
    garden = await createGarden();
    technicalId = `shoot--${garden.project}--${NAME}`;
    services = await startGardenServices(garden, { machineSyncSeconds: 2 });
    gctlEnv = {
      PATH: process.env.PATH,
      HOME: join(garden.root, 'home'),
      GCTL_HOME: join(garden.root, 'gctl'),
      GCTL_SESSION_ID: 'e2e-ssh',
      TMPDIR: join(garden.root, 'tmp'),
      NO_COLOR: '1',
      TERM: 'xterm',
    };
    await gctl('config', 'set-garden', 'e2e', '--kubeconfig', join(garden.root, 'api', 'garden.kubeconfig'));
    await gctl('target', 'garden', 'e2e');

    nodeOctet = 220 + (Number.parseInt(garden.id, 16) % 10);
    const shoot = exampleShoot(NAME, garden.namespace);
    shoot.spec.seedName = 'local';
    shoot.spec.networking = {
      ...shoot.spec.networking,
      // inside the seed's shoot range (10.10.0.0/16), on octets no other e2e file picks
      nodes: `10.10.${nodeOctet}.0/24`,
    };
    shoot.spec.provider.workers = [
      {
        ...(shoot.spec.provider.workers?.[0] as NonNullable<typeof shoot.spec.provider.workers>[number]),
        minimum: 1,
        maximum: 1,
        zones: ['zone-a'],
      },
    ];
    delete shoot.spec.hibernation;
    await garden.resources.create(SHOOT, garden.namespace, shoot);
    await garden.enqueue(NAME);
    await until(async () => {
      const current = await garden.read(NAME);
      if (current.status?.lastOperation?.state === 'Failed') throw new Error(JSON.stringify(current.status));
      return current.status?.lastOperation?.state === 'Succeeded' ? current : undefined;
    }, 300_000);
    await gctl('target', 'shoot', NAME);
    const { stdout } = await gctl('ssh');
    node = new RegExp(`^(\\S+)\\s+10\\.10\\.${nodeOctet}\\.\\d+\\s+true$`, 'm').exec(stdout)?.[1] ?? '';
    expect(node, stdout).not.toBe('');
  }, 420_000);

  afterAll(async () => {
    if (garden) {
      await garden.resources
        .patch(SHOOT, garden.namespace, NAME, 'merge', {
          metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
        })
        .catch(() => undefined);
      await garden.deleteShoot(NAME).catch(() => undefined);
      await until(
        async () => ((await garden.read(NAME).catch(() => undefined)) ? undefined : true),
        180_000,
      ).catch(() => undefined);
    }
    await services?.stop();
    if (garden) {
      await garden.seed.destroy(technicalId).catch(() => undefined);
      await removeLocalNetwork(technicalId).catch(() => undefined);
      await garden.close();
    }
  }, 240_000);

  it('opens a shell on the node: its hostname, only its processes; exit removes bastion and keys', async () => {
    const terminal = new Terminal(`${process.execPath} ${GARDENCTL} ssh ${node}`, gctlEnv);
    try {
      await terminal.waitFor(/\$ $/m, 120_000);
      expect(terminal.text).toMatch(
        new RegExp(`Bastion cli-[a-z0-9]{8} is ready at 10\\.10\\.${nodeOctet}\\.`),
      );
      expect((await terminal.shell('hostname')).trim().split('\n').pop()).toBe(node);
      const processes = (await terminal.shell('ps -e -o comm='))
        .split('\n')
        .slice(1) // the echoed command line
        .map((l) => l.trim())
        .filter(Boolean);
      // a real node's own: its sshd, containerd and kubelet; nothing of the seed host
      expect(processes).toEqual(expect.arrayContaining(['sshd', 'bash', 'ps', 'containerd', 'kubelet']));
      const host = ['kube-apiserver', 'etcd', 'node', 'vitest', 'postgres', 'redis-server', 'tofu'];
      expect(processes.filter((p) => host.includes(p))).toEqual([]);
      expect(processes.length).toBeLessThan(40);
      expect((await bastions()).length).toBe(1);
      terminal.type('exit\r');
      expect(await terminal.exited).toBe(0);
    } finally {
      terminal.kill();
    }
    await nothingOfBastionsLeft();
  }, 180_000);

  it('Ctrl-C while the bastion is being made removes it and the keys', async () => {
    // exec: gardenctl is the terminal's foreground process, as under an interactive shell (a `sh -c`
    // in between would die of the SIGINT itself and report 130, whatever gardenctl exits with)
    const terminal = new Terminal(`exec ${process.execPath} ${GARDENCTL} ssh ${node}`, gctlEnv);
    try {
      await until(async () => ((await bastions()).length > 0 ? true : undefined), 30_000);
      terminal.type('\u0003');
      expect(await terminal.exited).toBe(1); // gardenctl-v2 exits 1 on every error, an interrupt too
    } finally {
      terminal.kill();
    }
    await nothingOfBastionsLeft();
  }, 60_000);

  it('the bastion refuses a key it was not given and a source outside its CIDRs; an expired one disappears', async () => {
    const { stdout } = await gctl('ssh', node, '--interactive=false', '--keep-bastion', '--no-keepalive');
    const config = /^ssh -F (\S+) /m.exec(stdout)?.[1] ?? '';
    // verbose, so that a failure shows which hop stalled
    const through = async (file: string, timeoutSeconds = 10) =>
      run('ssh', [
        '-v',
        '-F',
        file,
        '-o',
        'BatchMode=yes',
        '-o',
        `ConnectTimeout=${timeoutSeconds}`,
        node,
        'hostname',
      ]).then(
        (r) => ({ ok: true, out: r.stdout.trim() }),
        (error: { stderr?: string }) => ({ ok: false, out: error.stderr ?? '' }),
      );
    // the first login through a fresh bastion may be slow on a loaded machine
    expect(await through(config, 30)).toEqual({ ok: true, out: node });

    const stranger = join(garden.root, 'stranger');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const strangerConfig = join(garden.root, 'stranger_config');
    const text = readFileSync(config, 'utf8');
    writeFileSync(strangerConfig, text.replace(/IdentityFile "[^"]+"/, `IdentityFile "${stranger}"`));
    const refused = await through(strangerConfig);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/Permission denied \(publickey\)/);

    const [bastion] = await bastions();
    await gctl('ssh-patch', bastion?.metadata.name ?? '', '--cidr', '192.0.2.0/24');
    await until(async () => {
      const [current] = await bastions();
      return current?.status?.observedGeneration === current?.metadata.generation ? true : undefined;
    }, 30_000);
    const outside = await through(config, 3);
    expect(outside.ok).toBe(false);
    expect(outside.out).toMatch(/timed out|closed|refused/i);

    // as if no keepalive had come for two hours
    await garden.resources.patch(
      BASTION,
      garden.namespace,
      bastion?.metadata.name ?? '',
      'merge',
      { status: { lastHeartbeatTimestamp: timestamp(new Date(Date.now() - 2 * 60 * 60 * 1000)) } },
      { subresource: 'status' },
    );
    await until(async () => ((await bastions()).length === 0 ? true : undefined), 30_000);
    expect(await bastionContainers()).toBe('');
    // --keep-bastion --no-keepalive left its files for the printed command; they are the user's to remove
    expect(workspaces()).toHaveLength(1);
    await run('rm', ['-rf', join(sessionDir(), workspaces()[0] ?? 'none')]);
  }, 120_000);

  it("the shoot's deletion takes its bastions with it", async () => {
    const { stdout } = await gctl('ssh', node, '--interactive=false', '--keep-bastion', '--no-keepalive');
    expect(stdout).toMatch(/^ssh -F /m);
    expect(await bastions()).toHaveLength(1);
    await garden.resources.patch(SHOOT, garden.namespace, NAME, 'merge', {
      metadata: { annotations: { 'confirmation.gardener.cloud/deletion': 'true' } },
    });
    await garden.deleteShoot(NAME);
    await until(async () => ((await bastions()).length === 0 ? true : undefined), 60_000);
    await until(async () => ((await garden.read(NAME).catch(() => undefined)) ? undefined : true), 180_000);
    expect(await bastionContainers()).toBe('');
    await expectNothingLeft(garden, technicalId);
    expect(services.api.output()).not.toContain('PRIVATE KEY');
  }, 240_000);
});
