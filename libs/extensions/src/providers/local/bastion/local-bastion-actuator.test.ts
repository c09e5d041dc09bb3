// A real bastion on a real shoot network: the local Infrastructure actuator makes the bridge and
// firewall, the local machine driver one machine (its kubelet never joins: there is no control
// plane here, but its sshd runs), and the bastion actuator the bastion. SSH is checked as users see
// it: the system ssh, ProxyJump through the bastion, host keys checked.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BastionContext } from '../../../bastion/actuator.js';
import type { InfrastructureContext } from '../../../infrastructure/actuator.js';
import { technicalIdOf } from '../../../infrastructure/technical-id.js';
import type { MachineInfo } from '../../../machine/driver.js';
import { LocalInfrastructureActuator } from '../infrastructure-actuator.js';
import { LocalMachineDriver } from '../machines/local-machine-driver.js';
import { bastionLayout, bastionRuncRoot } from './bastion-layout.js';
import { LocalBastionActuator } from './local-bastion-actuator.js';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const NODES = '10.249.1.0/24';
const GATEWAY = '10.249.1.1';
const scratch = mkdtempSync(join(tmpdir(), 'gardener-ts-bastion-'));
// machines (own user namespace) pass it to reach their root filesystems
chmodSync(scratch, 0o711);
const shoot = exampleShoot(`b${process.pid}`, 'garden-bast');
const infraContext: InfrastructureContext = {
  shoot: { ...shoot, spec: { ...shoot.spec, networking: { ...shoot.spec.networking, nodes: NODES } } },
  cloudProfile: exampleCloudProfile(),
  credentials: {},
  technicalId: technicalIdOf(shoot),
};
const technicalId = infraContext.technicalId;
const { table } = localNetworkNames(technicalId);
const machineRoot = join(scratch, 'machines');
const driver = new LocalMachineDriver({ root: machineRoot });
const bastions = new LocalBastionActuator({ root: machineRoot });

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let infrastructure: LocalInfrastructureActuator;
let node: MachineInfo;
let nodeKey: string;

function keyPair(name: string): { privateKey: string; publicKey: string } {
  const privateKey = join(scratch, name);
  return { privateKey, publicKey: readFileSync(`${privateKey}.pub`, 'utf8').trim() };
}

const user = () => keyPair('user');
const bastionContext = (name: string, ingressCidrs: string[], key = user().publicKey): BastionContext => ({
  id: `${technicalId}--${name}`,
  technicalId,
  sshPublicKey: key,
  ingressCidrs,
  infrastructure: { nodesCidr: NODES },
});

const nodeAddress = () => node.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';

/** `ssh -F config node command`, the bastion as ProxyJump, known_hosts holding exactly the published keys */
async function sshThrough(bastionIp: string, bastionHostKey: string, command: string, identity = user()) {
  const knownHosts = join(scratch, 'known_hosts');
  const nodeHostKeys = await driver.hostKeys({ name: node.name, technicalId });
  writeFileSync(
    knownHosts,
    [`${bastionIp} ${bastionHostKey}`, ...nodeHostKeys.map((k) => `${nodeAddress()} ${k}`)].join('\n'),
  );
  const common = `  User gardener
  IdentitiesOnly yes
  UserKnownHostsFile ${knownHosts}
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 3
`;
  const config = join(scratch, 'ssh_config');
  writeFileSync(
    config,
    `Host bastion\n  HostName ${bastionIp}\n  IdentityFile ${identity.privateKey}\n${common}` +
      `Host node\n  HostName ${nodeAddress()}\n  IdentityFile ${nodeKey}\n  ProxyJump bastion\n${common}`,
  );
  return run('ssh', ['-F', config, 'node', command]);
}

beforeAll(async () => {
  database = await createTestDatabase('gardener_ts_bastion');
  const stateKey = await loadOrCreateStateKey(join(scratch, 'state.key'));
  infrastructure = new LocalInfrastructureActuator(
    new TofuRunner({ databaseUrl: database.url, workRoot: join(scratch, 'tofu'), stateKey }),
  );
  const status = await infrastructure.reconcile(infraContext);
  nodeKey = join(scratch, 'node_key');
  writeFileSync(nodeKey, status.secrets.sshPrivateKey ?? '', { mode: 0o600 });
  for (const name of ['user', 'stranger']) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(scratch, name)]);
  }
  node = await driver.create({
    name: 'node-a',
    technicalId,
    machineClass: {
      machineType: 'local-small',
      image: { name: 'debian' },
      zone: 'zone-a',
      cpu: '1',
      memory: '512Mi',
    },
    bootstrap: {
      apiServerUrl: `https://${GATEWAY}:1`,
      caPem: '-----BEGIN CERTIFICATE-----\nnone\n-----END CERTIFICATE-----\n',
      bootstrapToken: 'abcdef.0123456789abcdef',
      labels: {},
      taints: [],
      sshPublicKey: status.sshPublicKey,
    },
    infrastructure: status.providerStatus,
  });
}, 180_000);

afterAll(async () => {
  for (const name of ['cli-a', 'cli-b', 'cli-c', 'cli-d'])
    await bastions.delete(bastionContext(name, [])).catch(() => undefined);
  await driver.delete({ name: 'node-a', technicalId }).catch(() => undefined);
  await infrastructure?.delete(infraContext).catch(() => undefined);
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('local Bastion actuator', () => {
  let ip: string;
  let hostKey: string;

  it('starts a bastion on the node network and reports its address and host key', async () => {
    const status = await bastions.reconcile(bastionContext('cli-a', [`${GATEWAY}/32`]));
    ip = status.ip;
    hostKey = status.hostKey ?? '';
    expect(ip).toMatch(/^10\.249\.1\.\d+$/);
    expect([GATEWAY, nodeAddress()]).not.toContain(ip);
    expect(hostKey).toMatch(/^ssh-ed25519 AAAA\S+ root@cli-a$/);
    for (const family of ['bridge', 'inet']) {
      const set = await run('nft', ['list', 'set', family, table, 'bastions']);
      expect(set.stdout).toContain(ip);
    }
    expect(await bastions.reconcile(bastionContext('cli-a', [`${GATEWAY}/32`]))).toEqual(status);
  }, 60_000);

  it('takes the given key from the ingress networks to the node (ProxyJump), host keys checked', async () => {
    const session = await sshThrough(ip, hostKey, 'hostname');
    expect(session.stderr).toBe('');
    expect(session.stdout.trim()).toBe('node-a');
  }, 30_000);

  it('refuses any other key, a shell on itself, and the host going to the node directly', async () => {
    const stranger = await sshThrough(ip, hostKey, 'hostname', keyPair('stranger'));
    expect(stranger.code).toBe(255);
    expect(stranger.stderr).toMatch(/Permission denied \(publickey\)/);
    const shell = await run('ssh', [
      ...['-i', user().privateKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
      ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', `gardener@${ip}`, 'id'],
    ]);
    expect(shell.stdout).not.toContain('uid=');
    const direct = await run('ssh', [
      ...['-i', nodeKey, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', '-o', 'StrictHostKeyChecking=no'],
      ...['-o', 'UserKnownHostsFile=/dev/null', `gardener@${nodeAddress()}`, 'true'],
    ]);
    expect(direct.code).toBe(255);
    expect(direct.stderr).toMatch(/timed out/i);
  }, 30_000);

  it('refuses a source outside the ingress networks once they change, and keeps its address and host key', async () => {
    const status = await bastions.reconcile(bastionContext('cli-a', ['192.0.2.0/24']));
    expect(status).toEqual({ ip, hostKey });
    const refused = await sshThrough(ip, hostKey, 'hostname');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/timed out|Connection closed|refused/i);
  }, 30_000);

  it('gives a second bastion of the shoot an address of its own', async () => {
    const second = await bastions.reconcile(bastionContext('cli-b', [`${GATEWAY}/32`]));
    expect([ip, nodeAddress(), GATEWAY]).not.toContain(second.ip);
    expect(second.hostKey).not.toBe(hostKey);
  }, 60_000);

  it('delete removes container, network namespace, firewall entries and files; a second delete is fine', async () => {
    const layout = bastionLayout(machineRoot, `${technicalId}--cli-a`);
    await bastions.delete(bastionContext('cli-a', []));
    await bastions.delete(bastionContext('cli-a', []));
    const containers = await run('runc', ['--root', bastionRuncRoot(machineRoot), 'list', '-q']);
    expect(containers.stdout).not.toContain('cli-a');
    expect((await run('ip', ['netns', 'list'])).stdout).not.toContain(layout.netns);
    expect((await run('ip', ['link', 'show', layout.hostVeth])).code).not.toBe(0);
    for (const family of ['bridge', 'inet']) {
      expect((await run('nft', ['list', 'set', family, table, 'bastions'])).stdout).not.toContain(`${ip}`);
    }
    expect(existsSync(layout.dir)).toBe(false);
    // the machine is untouched
    expect((await driver.status({ name: 'node-a', technicalId })).state).toBe('Running');
  }, 30_000);

  it("a bastion made on a deleted one's address is reachable at once: its MAC follows from its address", async () => {
    const first = await bastions.reconcile(bastionContext('cli-c', [`${GATEWAY}/32`]));
    // a session leaves the host's neighbour entry for the address fresh and confirmed
    expect((await sshThrough(first.ip, first.hostKey ?? '', 'hostname')).stdout.trim()).toBe('node-a');
    await bastions.delete(bastionContext('cli-c', []));
    const again = await bastions.reconcile(bastionContext('cli-d', [`${GATEWAY}/32`]));
    expect(again.ip).toBe(first.ip);
    const session = await sshThrough(again.ip, again.hostKey ?? '', 'hostname');
    expect(session.stderr).toBe('');
    expect(session.stdout.trim()).toBe('node-a');
    await bastions.delete(bastionContext('cli-d', []));
  }, 60_000);

  it('can be deleted when the shoot network is already gone', async () => {
    await driver.delete({ name: 'node-a', technicalId });
    await infrastructure.delete(infraContext);
    await bastions.delete(bastionContext('cli-b', []));
    expect(existsSync(join(machineRoot, 'bastions', `${technicalId}--cli-b`))).toBe(false);
    expect(existsSync(join(machineRoot, 'shoots', technicalId))).toBe(false);
  }, 60_000);
});
