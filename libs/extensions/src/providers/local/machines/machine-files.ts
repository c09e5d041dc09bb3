import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { arch } from 'node:os';
import { join } from 'node:path';
import { run } from './commands.js';
import { readPublicHostKey } from './host-keys.js';
import { INIT_PATH, MACHINE_INIT_SCRIPT } from './machine-init.js';
import type { PlacedMachineSpec } from './machine-spec.js';
import { AGENT_CONFIG_DIR, AGENT_PATH, NODE_AGENT_SCRIPT } from './node-agent.js';
import { ensureRootfsDir, RootfsFileError, readRootfsFile, writeRootfsFile } from './rootfs-files.js';

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
 * with its inputs. The bootstrap token goes into a 0600 file in a 0700 directory. A machine's disk
 * outlives its container, so no link in it is followed (see rootfs-files.ts). `privateDir` is a
 * host directory only root can read (the machine's own), where keys are made before they go in.
 */
export async function writeMachineFiles(
  rootfs: string,
  spec: PlacedMachineSpec,
  privateDir: string,
): Promise<void> {
  await ensureRootfsDir(rootfs, AGENT_CONFIG_DIR, 0o700);
  for (const file of machineFiles(spec)) await writeRootfsFile(rootfs, file.path, file.content, file.mode);
  await ensureHostKeys(rootfs, HOST_KEY_TYPES.map(hostKeyPath), `root@${spec.name}`, privateDir);
}

/**
 * The public halves of the machine's SSH host keys (`<type> <base64>` lines): only valid keys in
 * regular files, read without following links; what root inside put in their place is left out.
 */
export async function readHostKeys(upperDir: string): Promise<string[]> {
  const keys: string[] = [];
  for (const path of HOST_KEY_TYPES.map(hostKeyPath)) {
    const key = await readPublicHostKey(upperDir, `${path}.pub`);
    if (key) keys.push(key);
  }
  return keys;
}

const hostKeyPath = (type: string) => `${HOST_KEY_DIR}/ssh_host_${type}_key`;

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

/**
 * Host keys are the container's identity: made once, kept when create runs again. A pair that is
 * half there, or not two regular files, is made again: ssh-keygen writes it into `privateDir` on
 * the host, from where it is copied in without following links.
 */
export async function ensureHostKeys(
  rootfs: string,
  paths: readonly string[],
  comment: string,
  privateDir: string,
): Promise<void> {
  for (const path of paths) {
    if ((await isRegularFile(rootfs, path)) && (await isRegularFile(rootfs, `${path}.pub`))) continue;
    const scratch = await mkdtemp(join(privateDir, 'host-key-'));
    try {
      const key = join(scratch, 'key');
      const type = /ssh_host_(\w+)_key$/.exec(path)?.[1] ?? 'ed25519';
      await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', key]);
      await writeRootfsFile(rootfs, path, await readFile(key, 'utf8'), 0o600);
      await writeRootfsFile(rootfs, `${path}.pub`, await readFile(`${key}.pub`, 'utf8'), 0o644);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

async function isRegularFile(rootfs: string, path: string): Promise<boolean> {
  return readRootfsFile(rootfs, path).then(
    (content) => content !== undefined,
    (error: unknown) => {
      if (error instanceof RootfsFileError) return false;
      throw error;
    },
  );
}
