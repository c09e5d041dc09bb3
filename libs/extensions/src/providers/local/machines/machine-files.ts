import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MACHINE_ID_OFFSET } from '@gardener-ts/infra/toolchain';
import { run } from './commands.js';
import { readPublicHostKey } from './host-keys.js';
import type { PlacedMachineSpec } from './machine-spec.js';
import { NODE_CONFIG_DIR, type NodeImageSources, nodeFiles } from './node-components.js';
import { ensureRootfsDir, RootfsFileError, readRootfsFile, writeRootfsFile } from './rootfs-files.js';

const HOST_KEY_DIR = '/etc/ssh/gardener-ts';
const HOST_KEY_TYPES = ['ed25519', 'ecdsa'] as const;

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
 * machine's upper directory): identity, sshd and sudo for `gardener`, the init, and the node's
 * components with their inputs. The bootstrap token goes into a 0600 file in a 0700 directory,
 * owned by the machine's root (`owner`, its id on the host). A machine's disk
 * outlives its container, so no link in it is followed (see rootfs-files.ts). `privateDir` is a
 * host directory only root can read (the machine's own), where keys are made before they go in.
 */
export async function writeMachineFiles(
  rootfs: string,
  spec: PlacedMachineSpec,
  privateDir: string,
  images: NodeImageSources,
): Promise<void> {
  await ensureRootfsDir(rootfs, NODE_CONFIG_DIR, 0o700, MACHINE_ID_OFFSET);
  for (const file of [...machineFiles(spec), ...nodeFiles(spec, images)])
    await writeRootfsFile(rootfs, file.path, file.content, file.mode, MACHINE_ID_OFFSET);
  const keys = HOST_KEY_TYPES.map(hostKeyPath);
  await ensureHostKeys(rootfs, keys, `root@${spec.name}`, privateDir, MACHINE_ID_OFFSET);
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
  return [
    { path: '/etc/hostname', content: `${spec.name}\n`, mode: 0o644 },
    { path: '/etc/hosts', content: hostsFile(spec), mode: 0o644 },
    { path: '/etc/ssh/sshd_config.d/gardener-ts.conf', content: SSHD_CONFIG, mode: 0o644 },
    {
      path: '/etc/ssh/authorized_keys/gardener',
      content: `${spec.bootstrap.sshPublicKey.trim()}\n`,
      mode: 0o644,
    },
    { path: '/etc/sudoers.d/gardener', content: 'gardener ALL=(ALL) NOPASSWD:ALL\n', mode: 0o440 },
  ];
}

function hostsFile(spec: PlacedMachineSpec): string {
  return `127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n${spec.address} ${spec.name}\n`;
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
  owner = 0,
): Promise<void> {
  for (const path of paths) {
    if ((await isRegularFile(rootfs, path)) && (await isRegularFile(rootfs, `${path}.pub`))) continue;
    const scratch = await mkdtemp(join(privateDir, 'host-key-'));
    try {
      const key = join(scratch, 'key');
      const type = /ssh_host_(\w+)_key$/.exec(path)?.[1] ?? 'ed25519';
      await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', comment, '-f', key]);
      await writeRootfsFile(rootfs, path, await readFile(key, 'utf8'), 0o600, owner);
      await writeRootfsFile(rootfs, `${path}.pub`, await readFile(`${key}.pub`, 'utf8'), 0o644, owner);
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
