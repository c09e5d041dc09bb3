import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryMirrorAddress } from '../images/settings.js';
import { createTestDatabase, queryRows } from '../testing/database.js';
import { loadOrCreateStateKey } from '../tofu/state-encryption.js';
import { TofuRunner } from '../tofu/tofu-runner.js';
import { localInfrastructureStack, localNetworkNames } from './local-infrastructure.js';

const run = promisify(execFile);

async function succeeds(command: string, ...args: string[]): Promise<boolean> {
  return run(command, args).then(
    () => true,
    () => false,
  );
}

/** Tries `check` for up to 5 s. */
async function eventuallyTrue(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 25; i++) {
    if (await check()) return true;
    await sleep(200);
  }
  return false;
}

const bridgeExists = (name: string) => succeeds('ip', 'link', 'show', name);
const firewallExists = async (table: string) =>
  (await succeeds('nft', 'list', 'table', 'bridge', table)) &&
  (await succeeds('nft', 'list', 'table', 'inet', table));

/** A network namespace joined to the bridge, as a local machine is. */
async function attachMachine(netns: string, bridge: string, address: string, gateway: string): Promise<void> {
  const [host, peer] = [`${netns}-h`.slice(0, 15), `${netns}-m`.slice(0, 15)];
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', netns]);
  await run('ip', ['link', 'set', host, 'master', bridge, 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', address, 'dev', peer]);
  await run('ip', ['-n', netns, 'link', 'set', peer, 'up']);
  await run('ip', ['-n', netns, 'route', 'add', 'default', 'via', gateway]);
}

describe('local infrastructure stack applied by OpenTofu with state in PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let workRoot: string;
  let runner: TofuRunner;
  const shoot = { technicalId: `shoot--it--net${process.pid}`, nodesCidr: '10.252.3.0/24' };
  const names = localNetworkNames(shoot.technicalId);
  const stack = localInfrastructureStack(shoot);

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_tofu');
    workRoot = await mkdtemp(join(tmpdir(), 'gardener-ts-infra-'));
    const stateKey = await loadOrCreateStateKey(join(workRoot, 'keys', 'tofu-state.key'));
    runner = new TofuRunner({ databaseUrl: database.url, workRoot: join(workRoot, 'work'), stateKey });
  });

  afterAll(async () => {
    await runner.destroy(stack, shoot.technicalId).catch(() => {});
    await database.drop();
    await rm(workRoot, { recursive: true, force: true });
  });

  it('reconcile creates the bridge with the gateway address, the firewall and an SSH key pair', async () => {
    const result = await runner.reconcile(stack, shoot.technicalId);
    expect(result.changed).toBe(true);
    expect(result.outputs).toMatchObject({ bridgeName: names.bridge, gatewayAddress: '10.252.3.1' });
    const { stdout } = await run('ip', ['-j', 'addr', 'show', names.bridge]);
    const [link] = JSON.parse(stdout);
    expect(link.addr_info).toContainEqual(expect.objectContaining({ local: '10.252.3.1', prefixlen: 24 }));
    // fixed, so that it does not change as machines come and go (see localMacAddress)
    expect(link.address).toBe('02:67:0a:fc:03:01');
    expect(await firewallExists(names.table)).toBe(true);
    const { stdout: rules } = await run('nft', ['list', 'table', 'bridge', names.table]);
    expect(rules).toContain('ip daddr 10.252.3.0/24 tcp dport 22 ip saddr != @bastions drop');
    const { stdout: input } = await run('nft', ['list', 'chain', 'inet', names.table, 'input']);
    expect(input).toContain(`ip daddr ${registryMirrorAddress().replace(':', ' tcp dport ')} accept`);
    const keyFile = join(workRoot, 'id_ed25519');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(keyFile, result.outputs.sshPrivateKey, { mode: 0o600 }),
    );
    const { stdout: derived } = await run('ssh-keygen', ['-y', '-f', keyFile]);
    expect(derived.trim()).toBe(result.outputs.sshPublicKey.trim());
  });

  it('a second reconcile plans no change', async () => {
    const result = await runner.reconcile(stack, shoot.technicalId);
    expect(result).toMatchObject({ changed: false, replaced: [] });
  });

  it('from its bridge a machine reaches only what listens on the gateway address alone', async () => {
    const netns = `gts-it-${process.pid}`;
    const otherShoot = `gtsit${process.pid}`.slice(0, 15);
    const servers: Server[] = [];
    const listen = async (host: string) => {
      const server = createServer((socket) => {
        // the probe closes at once: a reset is expected, not an error of the test
        socket.on('error', () => {});
        socket.end('hello\n');
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      return (server.address() as AddressInfo).port;
    };
    const connects = (host: string, port: number) =>
      succeeds(
        'ip',
        'netns',
        'exec',
        netns,
        'timeout',
        '2',
        'bash',
        '-c',
        `exec 3<>/dev/tcp/${host}/${port}`,
      );
    try {
      await attachMachine(netns, names.bridge, '10.252.3.7/24', '10.252.3.1');
      // another shoot's kube-apiserver listens on its own gateway address
      await run('ip', ['link', 'add', otherShoot, 'type', 'bridge']);
      await run('ip', ['addr', 'add', '10.252.99.1/32', 'dev', otherShoot]);
      await run('ip', ['link', 'set', otherShoot, 'up']);
      const own = await listen('10.252.3.1');
      const everywhere = await listen('0.0.0.0');
      const other = await listen('10.252.99.1');
      expect(await connects('10.252.3.1', own)).toBe(true);
      expect(await connects('10.252.3.1', everywhere)).toBe(false);
      expect(await connects('10.252.99.1', everywhere)).toBe(false);
      expect(await connects('10.252.99.1', other)).toBe(false);
      expect(await connects('10.252.3.1', other)).toBe(false);
    } finally {
      for (const server of servers) server.close();
      await run('ip', ['netns', 'del', netns]).catch(() => {});
      await run('ip', ['link', 'del', otherShoot]).catch(() => {});
    }
  });

  it("a machine reaches no other shoot's machine, even on a host that forwards; without the rules it would", async () => {
    const other = { technicalId: `shoot--it--iso${process.pid}`, nodesCidr: '10.252.20.0/24' };
    const otherStack = localInfrastructureStack(other);
    const otherNames = localNetworkNames(other.technicalId);
    const [mine, theirs] = [`gtsa${process.pid}`, `gtsb${process.pid}`];
    const forwarding = (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();
    let listener: ChildProcess | undefined;
    const reaches = () =>
      succeeds(
        'ip',
        'netns',
        'exec',
        mine,
        'timeout',
        '2',
        'bash',
        '-c',
        'exec 3<>/dev/tcp/10.252.20.8/7000',
      );
    try {
      await runner.reconcile(otherStack, other.technicalId);
      await attachMachine(mine, names.bridge, '10.252.3.8/24', '10.252.3.1');
      await attachMachine(theirs, otherNames.bridge, '10.252.20.8/24', '10.252.20.1');
      listener = spawn(
        'ip',
        ['netns', 'exec', theirs, 'busybox', 'nc', '-ll', '-p', '7000', '-e', '/bin/true'],
        {
          stdio: 'ignore',
        },
      );
      // the worst case: the host routes between its interfaces
      await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
      // the host itself reaches it once the listener is up: the machine's failure below is the rules'
      const hostReaches = () => succeeds('timeout', '2', 'bash', '-c', 'exec 3<>/dev/tcp/10.252.20.8/7000');
      expect(await eventuallyTrue(hostReaches)).toBe(true);
      expect(await reaches()).toBe(false);
      // the rules are what stops it: without the forward chains the same connection is made
      for (const table of [names.table, otherNames.table])
        await run('nft', ['delete', 'chain', 'inet', table, 'forward']);
      expect(await reaches()).toBe(true);
    } finally {
      await writeFile('/proc/sys/net/ipv4/ip_forward', forwarding);
      listener?.kill();
      for (const netns of [mine, theirs]) await run('ip', ['netns', 'del', netns]).catch(() => {});
      // a firewall missing a table is restored whole by the next reconcile, whatever happened above
      await run('nft', ['delete', 'table', 'inet', names.table]).catch(() => {});
      await runner.reconcile(stack, shoot.technicalId);
      await runner.destroy(otherStack, other.technicalId);
    }
    const { stdout: rules } = await run('nft', ['list', 'chain', 'inet', names.table, 'forward']);
    expect(rules).toContain(`iifname "${names.bridge}" oifname != "${names.bridge}" drop`);
  });

  it('a bridge deleted behind its back is recreated by the next reconcile, which then converges', async () => {
    await run('ip', ['link', 'del', names.bridge]);
    const repaired = await runner.reconcile(stack, shoot.technicalId);
    expect(repaired.replaced).toEqual(['terraform_data.bridge']);
    expect(await bridgeExists(names.bridge)).toBe(true);
    expect((await runner.reconcile(stack, shoot.technicalId)).changed).toBe(false);
  });

  it('a half-deleted firewall is restored whole', async () => {
    await run('nft', ['delete', 'table', 'inet', names.table]);
    const repaired = await runner.reconcile(stack, shoot.technicalId);
    expect(repaired.replaced).toEqual(['terraform_data.firewall']);
    expect(await firewallExists(names.table)).toBe(true);
  });

  it('the state rows are encrypted: no private key, no resource data in plain text', async () => {
    const rows = await queryRows<{ data: string }>(
      database.url,
      'SELECT data FROM gardener_tofu.states WHERE name = $1',
      [shoot.technicalId],
    );
    expect(rows).toHaveLength(1);
    const data = rows[0]?.data ?? '';
    expect(data).not.toContain('PRIVATE KEY');
    expect(data).not.toContain(names.bridge);
    expect(JSON.parse(data)).toHaveProperty('encrypted_data');
  });

  it('two shoots applied at the same time both succeed', async () => {
    const others = [1, 2].map((i) => ({
      technicalId: `shoot--it--par${i}-${process.pid}`,
      nodesCidr: `10.252.${10 + i}.0/24`,
    }));
    const shoots = others.map((o) => ({ ...o, stack: localInfrastructureStack(o) }));
    try {
      const results = await Promise.all(shoots.map((s) => runner.reconcile(s.stack, s.technicalId)));
      expect(results.map((r) => r.changed)).toEqual([true, true]);
      for (const o of others) expect(await bridgeExists(localNetworkNames(o.technicalId).bridge)).toBe(true);
    } finally {
      await Promise.all(shoots.map((s) => runner.destroy(s.stack, s.technicalId)));
    }
    for (const o of others) expect(await bridgeExists(localNetworkNames(o.technicalId).bridge)).toBe(false);
  });

  it('destroy leaves no bridge, firewall, workspace, state or working directory', async () => {
    await runner.destroy(stack, shoot.technicalId);
    expect(await bridgeExists(names.bridge)).toBe(false);
    expect(await firewallExists(names.table)).toBe(false);
    const rows = await queryRows(database.url, 'SELECT name FROM gardener_tofu.states WHERE name LIKE $1', [
      'shoot--it--%',
    ]);
    expect(rows).toEqual([]);
    expect(existsSync(runner.workspaceDir(shoot.technicalId))).toBe(false);
  });
});
