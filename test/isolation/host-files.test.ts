// Root inside a real local machine (as a user with sudo on a node is) tries to make the host read
// or write its files for it, and to reach kernel interfaces shared with the host. The machine runs
// on a real shoot network (bridge and firewall from the local Infrastructure actuator); its node
// agent never joins (there is no control plane here), but its sshd runs.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import {
  type InfrastructureContext,
  LocalInfrastructureActuator,
  LocalMachineDriver,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { MACHINE_ID_COUNT, MACHINE_ID_OFFSET } from '@gardener-ts/infra/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBastionActuator } from '../../libs/extensions/src/providers/local/bastion/local-bastion-actuator.js';

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

const NODES = '10.248.7.0/24';
const scratch = mkdtempSync(join(tmpdir(), 'gts-host-files-'));
// machines (own user namespace) pass it to reach their root filesystems
chmodSync(scratch, 0o711);
/** what stands for the host's secrets: the garden's admin token, a directory of keys */
const hostSecrets = join(scratch, 'garden');
const adminToken = join(hostSecrets, 'admin.token');
const SECRET = 'garden-admin-token-never-published';
const shoot = exampleShoot(`hf${process.pid}`, 'garden-iso');
const infraContext: InfrastructureContext = {
  shoot: { ...shoot, spec: { ...shoot.spec, networking: { ...shoot.spec.networking, nodes: NODES } } },
  cloudProfile: exampleCloudProfile(),
  credentials: {},
  technicalId: technicalIdOf(shoot),
};
const technicalId = infraContext.technicalId;
const driver = new LocalMachineDriver({ root: join(scratch, 'machines') });
const ref = { name: 'node-a', technicalId };
const KEY_DIR = '/etc/ssh/gardener-ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let infrastructure: LocalInfrastructureActuator;
let request: Parameters<LocalMachineDriver['create']>[0];
let shootKey: string;

/** a command as root inside the machine (runc exec: the machine's namespaces, capabilities and seccomp profile) */
const asRoot = (script: string) =>
  run('runc', [
    '--root',
    join(driver.root, 'runc'),
    'exec',
    driver.layout(ref).containerId,
    'bash',
    '-c',
    script,
  ]);

const bastions = new LocalBastionActuator({ root: driver.root });
const bastionContext = (ingressCidrs: string[]) => ({
  id: `${technicalId}--cli-iso`,
  technicalId,
  sshPublicKey: readFileSync(`${shootKey}.pub`, 'utf8').trim(),
  ingressCidrs,
  infrastructure: { nodesCidr: NODES },
});
/** a command as root inside the bastion (which has no shell for its users: this is the worst case) */
const inBastion = (script: string) =>
  run('runc', [
    '--root',
    join(driver.root, 'bastions', 'runc'),
    'exec',
    bastionContext([]).id,
    'bash',
    '-c',
    script,
  ]);

const published = async () => (await driver.status(ref)).sshHostKeys ?? [];

beforeAll(async () => {
  mkdirSync(hostSecrets, { mode: 0o700 });
  writeFileSync(adminToken, `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(hostSecrets, 'ca.pub'), `${SECRET}-ca\n`, { mode: 0o600 });
  database = await createTestDatabase('gts_host_files');
  const stateKey = await loadOrCreateStateKey(join(scratch, 'state.key'));
  infrastructure = new LocalInfrastructureActuator(
    new TofuRunner({ databaseUrl: database.url, workRoot: join(scratch, 'tofu'), stateKey }),
  );
  const status = await infrastructure.reconcile(infraContext);
  shootKey = join(scratch, 'shoot_key');
  writeFileSync(shootKey, status.secrets.sshPrivateKey ?? '', { mode: 0o600 });
  writeFileSync(`${shootKey}.pub`, status.sshPublicKey);
  request = {
    ...ref,
    machineClass: {
      machineType: 'local-small',
      image: { name: 'debian' },
      zone: 'z',
      cpu: '1',
      memory: '256Mi',
    },
    bootstrap: {
      apiServerUrl: `https://${status.providerStatus.gatewayAddress}:1`,
      caPem: '-----BEGIN CERTIFICATE-----\nnone\n-----END CERTIFICATE-----\n',
      bootstrapToken: 'abcdef.0123456789abcdef',
      labels: {},
      taints: [],
      sshPublicKey: status.sshPublicKey,
    },
    infrastructure: status.providerStatus,
  };
  await driver.create(request);
}, 180_000);

afterAll(async () => {
  await bastions.delete(bastionContext([])).catch(() => undefined);
  await driver.delete(ref).catch(() => undefined);
  await infrastructure?.delete(infraContext).catch(() => undefined);
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('what root inside a machine puts on its disk is not followed on the host', () => {
  it('publishes the real host keys to begin with', async () => {
    const keys = await published();
    expect(keys.map((key) => key.split(' ')[0]).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  });

  it('a host key replaced by a link to a host secret is not published', async () => {
    const linked = await asRoot(
      `ln -sf ${adminToken} ${KEY_DIR}/ssh_host_ed25519_key.pub && ln -sf ../../../../../../../..${adminToken} ${KEY_DIR}/ssh_host_ecdsa_key.pub`,
    );
    expect(linked.code, linked.stderr).toBe(0);
    const keys = await published();
    expect(JSON.stringify(keys)).not.toContain(SECRET);
    expect(keys).toEqual([]);
    const direct = await driver.hostKeys(ref).catch((error: Error) => error.message);
    expect(direct).toMatch(/does not exist/);
    expect(direct).not.toContain(SECRET);
  });

  it('the key directory replaced by a link to a host directory is not read', async () => {
    const linked = await asRoot(`mv ${KEY_DIR} ${KEY_DIR}.real && ln -s ${hostSecrets} ${KEY_DIR}`);
    expect(linked.code, linked.stderr).toBe(0);
    expect(JSON.stringify(await published())).not.toContain(SECRET);
    expect(await published()).toEqual([]);
    await asRoot(`rm ${KEY_DIR} && mv ${KEY_DIR}.real ${KEY_DIR}`);
  });

  it('a FIFO, a huge file or text that is no key in place of a host key is not published, and status does not hang', async () => {
    const planted = await asRoot(
      `cd ${KEY_DIR} && rm -f ssh_host_*_key.pub && mkfifo ssh_host_ed25519_key.pub && ` +
        `truncate -s 4G ssh_host_ecdsa_key.pub`,
    );
    expect(planted.code, planted.stderr).toBe(0);
    const started = Date.now();
    expect(await published()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    const notKeys = await asRoot(
      `cd ${KEY_DIR} && rm -f ssh_host_*_key.pub && printf '%s\\n' '${SECRET}' > ssh_host_ed25519_key.pub && ` +
        `{ head -1 ssh_host_ecdsa_key 2>/dev/null; echo "@cert-authority * ssh-ed25519 AAAA"; } > ssh_host_ecdsa_key.pub`,
    );
    expect(notKeys.code, notKeys.stderr).toBe(0);
    expect(await published()).toEqual([]);
  });

  it('a file or directory the host writes, replaced by a link, is not written through when the machine is made again', async () => {
    const victimDir = join(scratch, 'victim');
    mkdirSync(victimDir);
    writeFileSync(join(victimDir, 'hosts'), 'untouched\n');
    const planted = await asRoot(
      `ln -sf ${victimDir}/hosts /etc/hosts && ln -sf ${victimDir}/hostname /etc/hostname && ` +
        `rm -rf /etc/ssh/authorized_keys && ln -s ${victimDir} /etc/ssh/authorized_keys`,
    );
    expect(planted.code, planted.stderr).toBe(0);
    // the container goes (as after a lost runc state); its disk stays, and create builds on it
    await run('runc', [
      '--root',
      join(driver.root, 'runc'),
      'delete',
      '--force',
      driver.layout(ref).containerId,
    ]);
    const again = await driver.create(request).then(
      () => 'created',
      (error: Error) => error.message,
    );
    expect(again).toMatch(
      /authorized_keys\/gardener inside the container's root filesystem is or passes a symbolic link: refused/,
    );
    expect(readFileSync(join(victimDir, 'hosts'), 'utf8')).toBe('untouched\n');
    expect(readdirSync(victimDir)).toEqual(['hosts']);
    // the links to files were replaced, not followed
    const upper = driver.layout(ref).upper;
    expect(readFileSync(join(upper, 'etc/hostname'), 'utf8')).toBe('node-a\n');
    // the machine is made again on a clean disk
    await driver.delete(ref);
    await driver.create(request);
  }, 60_000);
});

describe('what root inside a machine can reach of the kernel', () => {
  /** raw system calls through perl (in the base image): the errno each returns */
  const SYSCALLS: Record<string, Record<string, number>> = {
    x64: { bpf: 321, perf_event_open: 298, userfaultfd: 323 },
    arm64: { bpf: 280, perf_event_open: 241, userfaultfd: 282 },
  };

  it("is refused nested user namespaces, host devices, the host's sysctls and its own limits, bpf, perf and userfaultfd", async () => {
    const refused = [
      'unshare -U true',
      'unshare -Ur true',
      'mknod /tmp/disk b 8 0',
      'mknod /tmp/mem c 1 1',
      'echo 30 > /proc/sys/kernel/panic',
      "echo '|/tmp/escape' > /proc/sys/kernel/core_pattern",
      'echo 3 > /proc/sys/vm/drop_caches',
      'echo 99999999999 > /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'echo 99999 > /sys/fs/cgroup/pids/pids.max',
    ];
    for (const command of refused) {
      const result = await asRoot(command);
      expect(result.code, command).not.toBe(0);
      expect(result.stderr, command).toMatch(/Operation not permitted|permission denied|read-only/i);
    }
    const numbers = SYSCALLS[process.arch] ?? {};
    for (const [name, number] of Object.entries(numbers)) {
      const result = await asRoot(`perl -e '$! = 0; syscall(${number}, 0, 0, 0, 0, 0); print $! + 0'`);
      expect(`${name}: errno ${result.stdout.trim()}`).toBe(`${name}: errno 1`);
    }
  });

  it('mounts only inside its own mount namespace (what containerd needs), unseen by the host', async () => {
    const mounted = await asRoot(
      'mkdir -p /mnt/probe && mount -t tmpfs gts-machine-probe /mnt/probe && echo ok',
    );
    expect(mounted.stdout.trim()).toBe('ok');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('gts-machine-probe');
  });

  it('is root only in its own user namespace, and has no host device', async () => {
    expect((await asRoot('cat /proc/self/uid_map')).stdout.trim().split(/\s+/)).toEqual([
      '0',
      String(MACHINE_ID_OFFSET),
      String(MACHINE_ID_COUNT),
    ]);
    const devices = await asRoot('ls /dev');
    expect(devices.stdout.split('\n')).not.toContain('sda');
    expect((await asRoot('cat /proc/keys')).stdout).toBe('');
    const sysrq = await asRoot('echo h > /proc/sysrq-trigger');
    expect(sysrq.code).not.toBe(0);
  });

  it('still runs sshd: user gardener logs in with the shoot key and becomes root with sudo', async () => {
    const { netns } = driver.layout(ref);
    const address = (await driver.status(ref)).addresses.find((a) => a.type === 'InternalIP')?.address;
    const knownHosts = join(scratch, 'known_hosts');
    const info = await driver.status(ref);
    writeFileSync(knownHosts, (info.sshHostKeys ?? []).map((key) => `${address} ${key}\n`).join(''));
    let session: Result | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      session = await run('ip', [
        ...['netns', 'exec', netns, 'ssh', '-i', shootKey, '-o', 'BatchMode=yes'],
        ...[
          '-o',
          'StrictHostKeyChecking=yes',
          '-o',
          `UserKnownHostsFile=${knownHosts}`,
          '-o',
          'ConnectTimeout=3',
        ],
        ...[`gardener@${address}`, 'sudo -n id -u'],
      ]);
      if (session.code === 0) break;
      await sleep(200);
    }
    expect(session?.stderr).toBe('');
    expect(session?.stdout.trim()).toBe('0');
  }, 60_000);
});

describe('what root inside a bastion puts on its disk is not followed on the host', () => {
  it('files the host writes on every reconcile, replaced by links, are replaced, not written through; a linked host key is not published', async () => {
    const first = await bastions.reconcile(bastionContext(['192.0.2.0/24']));
    expect(first.hostKey).toMatch(/^ssh-ed25519 AAAA\S+ root@cli-iso$/);
    const victimDir = join(scratch, 'bastion-victim');
    mkdirSync(victimDir);
    writeFileSync(join(victimDir, 'keys'), 'untouched\n');
    const planted = await inBastion(
      `ln -sf ${victimDir}/keys /etc/ssh/authorized_keys/gardener && ln -sf ${victimDir}/hosts /etc/hosts && ` +
        `ln -sf ${adminToken} /etc/ssh/gardener-ts/ssh_host_ed25519_key.pub`,
    );
    expect(planted.code, planted.stderr).toBe(0);
    const second = await bastions.reconcile(bastionContext(['198.51.100.0/24']));
    expect(JSON.stringify(second)).not.toContain(SECRET);
    expect(second.hostKey).toMatch(/^ssh-ed25519 AAAA\S+ root@cli-iso$/);
    expect(readFileSync(join(victimDir, 'keys'), 'utf8')).toBe('untouched\n');
    expect(readdirSync(victimDir)).toEqual(['keys']);
    const upper = join(driver.root, 'bastions', bastionContext([]).id, 'upper');
    expect(readFileSync(join(upper, 'etc/ssh/authorized_keys/gardener'), 'utf8')).toContain(
      '198.51.100.0/24',
    );
  }, 60_000);

  it('is refused user namespaces and mounts, and holds fewer capabilities than a machine', async () => {
    for (const command of [
      'unshare -U true',
      'unshare -Urm mount -t tmpfs none /mnt',
      'mount -t tmpfs none /mnt',
    ]) {
      const result = await inBastion(command);
      expect(result.code, command).not.toBe(0);
      expect(result.stderr, command).toMatch(/Operation not permitted|permission denied/i);
    }
    const status = await inBastion('grep -E "CapEff|NoNewPrivs" /proc/self/status');
    // CHOWN 0, KILL 5, SETGID 6, SETUID 7, NET_BIND_SERVICE 10, SYS_CHROOT 18
    const expected = [0, 5, 6, 7, 10, 18].reduce((mask, bit) => mask | (1n << BigInt(bit)), 0n);
    expect(status.stdout).toMatch(new RegExp(`CapEff:\\s+0*${expected.toString(16)}\\n`));
    expect(status.stdout).toMatch(/NoNewPrivs:\s+1/);
  });
});
