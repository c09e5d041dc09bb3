import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './commands.js';
import { INIT_PATH, MACHINE_INIT_SCRIPT } from './machine-init.js';
import type { PlacedMachineSpec } from './machine-spec.js';
import { AGENT_CONFIG_DIR, AGENT_PATH, NODE_AGENT_SCRIPT } from './node-agent.js';

const HOST_KEY_DIR = '/etc/ssh/gardener-ts';
const HOST_KEY_TYPES = ['ed25519', 'ecdsa'] as const;
/** Lease duration the agent claims; the controller-manager's grace period decides NotReady. */
const LEASE_DURATION_SECONDS = 40;

const SSHD_CONFIG = `# gardener-ts: only user gardener, only with the shoot's key
${HOST_KEY_TYPES.map((type) => `HostKey ${HOST_KEY_DIR}/ssh_host_${type}_key`).join('\n')}
AuthorizedKeysFile /etc/ssh/authorized_keys/%u
AllowUsers gardener
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
# PAM's loginuid module fails in a container without CAP_AUDIT_CONTROL
UsePAM no
`;

interface File {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/**
 * Writes what makes the base image this machine, through its mounted overlay (so it lands in the
 * machine's upper directory): identity, sshd and sudo for `gardener`, the init and the node agent
 * with its inputs. The bootstrap token goes into a 0600 file in a 0700 directory.
 */
export async function writeMachineFiles(rootfs: string, spec: PlacedMachineSpec): Promise<void> {
  await mkdir(join(rootfs, AGENT_CONFIG_DIR), { recursive: true, mode: 0o700 });
  await chmod(join(rootfs, AGENT_CONFIG_DIR), 0o700);
  for (const file of machineFiles(spec)) await writeExactly(rootfs, file);
  await generateHostKeys(rootfs, spec.name);
}

/** The public halves of the machine's SSH host keys (`<type> <base64> <comment>` lines). */
export async function readHostKeys(upperDir: string): Promise<string[]> {
  const dir = join(upperDir, HOST_KEY_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const keys: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.pub')).sort()) {
    keys.push((await readFile(join(dir, name), 'utf8')).trim());
  }
  return keys;
}

function machineFiles(spec: PlacedMachineSpec): File[] {
  const { bootstrap } = spec;
  const agentConfig = {
    server: bootstrap.apiServerUrl,
    nodeName: spec.name,
    heartbeatSeconds: spec.heartbeatSeconds,
    leaseDurationSeconds: LEASE_DURATION_SECONDS,
  };
  return [
    { path: '/etc/hostname', content: `${spec.name}\n`, mode: 0o644 },
    { path: '/etc/hosts', content: hostsFile(spec), mode: 0o644 },
    { path: '/etc/ssh/sshd_config.d/gardener-ts.conf', content: SSHD_CONFIG, mode: 0o644 },
    { path: '/etc/ssh/authorized_keys/gardener', content: `${bootstrap.sshPublicKey.trim()}\n`, mode: 0o644 },
    { path: '/etc/sudoers.d/gardener', content: 'gardener ALL=(ALL) NOPASSWD:ALL\n', mode: 0o440 },
    { path: INIT_PATH, content: MACHINE_INIT_SCRIPT, mode: 0o755 },
    { path: AGENT_PATH, content: NODE_AGENT_SCRIPT, mode: 0o755 },
    { path: `${AGENT_CONFIG_DIR}/config.json`, content: JSON.stringify(agentConfig), mode: 0o600 },
    { path: `${AGENT_CONFIG_DIR}/ca.crt`, content: bootstrap.caPem, mode: 0o644 },
    { path: `${AGENT_CONFIG_DIR}/node.json`, content: JSON.stringify(nodeManifest(spec)), mode: 0o600 },
    { path: `${AGENT_CONFIG_DIR}/bootstrap-token`, content: bootstrap.bootstrapToken, mode: 0o600 },
  ];
}

function hostsFile(spec: PlacedMachineSpec): string {
  return `127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n${spec.address} ${spec.name}\n`;
}

/** The Node the agent registers; it adds nodeInfo's versions and the Ready condition. */
export function nodeManifest(spec: PlacedMachineSpec): object {
  const capacity = {
    cpu: spec.millicores % 1000 === 0 ? String(spec.millicores / 1000) : `${spec.millicores}m`,
    memory: `${Math.floor(spec.memoryBytes / 1024)}Ki`,
    pods: '110',
  };
  const architecture = arch() === 'x64' ? 'amd64' : arch();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': architecture,
        'node.kubernetes.io/instance-type': spec.machineType,
        'topology.kubernetes.io/zone': spec.zone,
        ...spec.bootstrap.labels,
      },
    },
    spec: {
      providerID: spec.providerId,
      ...(spec.bootstrap.taints.length ? { taints: spec.bootstrap.taints } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: spec.address },
        { type: 'Hostname', address: spec.name },
      ],
      nodeInfo: {
        operatingSystem: 'linux',
        architecture,
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'runc://none',
      },
    },
  };
}

/** writeFile's mode only applies to new files, so the mode is set again. */
async function writeExactly(rootfs: string, file: File): Promise<void> {
  const path = join(rootfs, file.path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content, { mode: file.mode });
  await chmod(path, file.mode);
}

/** Keys are the machine's identity: made once, kept when create runs again. */
async function generateHostKeys(rootfs: string, name: string): Promise<void> {
  const dir = join(rootfs, HOST_KEY_DIR);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (const type of HOST_KEY_TYPES) {
    const key = join(dir, `ssh_host_${type}_key`);
    if (existsSync(key) && existsSync(`${key}.pub`)) continue;
    // half a pair (an interrupted create) is made again: ssh-keygen will not overwrite it
    await Promise.all([key, `${key}.pub`].map((path) => rm(path, { force: true })));
    await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `root@${name}`, '-f', key]);
  }
}
