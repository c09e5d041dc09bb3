import { readPublicHostKey } from '../machines/host-keys.js';
import { ensureHostKeys } from '../machines/machine-files.js';
import { RootfsFileError, readRootfsFile, writeRootfsFile } from '../machines/rootfs-files.js';

export const BASTION_INIT_PATH = '/usr/local/sbin/gardener-bastion-init';
const HOST_KEY = '/etc/ssh/gardener-ts/ssh_host_ed25519_key';
const SSHD_CONFIG_PATH = '/etc/ssh/sshd_config.d/gardener-ts-bastion.conf';
const AUTHORIZED_KEYS_PATH = '/etc/ssh/authorized_keys/gardener';

/** What a bastion lets in: one key, from some networks. */
export interface BastionAccess {
  readonly hostname: string;
  readonly sshPublicKey: string;
  readonly ingressCidrs: readonly string[];
}

/**
 * PID 1 of a bastion: adds `gardener`, starts sshd, reaps orphans. sshd writes /run/sshd.pid,
 * through which a changed configuration is reloaded (SIGHUP).
 */
const INIT_SCRIPT = `#!/bin/bash
set -u
trap 'kill -TERM -1 2>/dev/null; exit 0' TERM INT
id gardener >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --password '*' gardener
mkdir -p -m 0755 /run/sshd
/usr/sbin/sshd -E /var/log/sshd.log || echo "sshd did not start" >&2
while :; do
  sleep 3600 &
  wait $!
done
`;

/**
 * Only `gardener`, only with the given key, only from the ingress networks (sshd's AllowUsers
 * and the key's `from=`, besides the bastion's firewall); no shell, no PTY: it only forwards TCP
 * (ProxyJump / `ssh -W`), and its firewall lets that reach nothing but the nodes' port 22.
 */
function sshdConfig(access: BastionAccess): string {
  return `# gardener-ts bastion
HostKey ${HOST_KEY}
AuthorizedKeysFile ${AUTHORIZED_KEYS_PATH.replace('gardener', '%u')}
AllowUsers ${access.ingressCidrs.map((cidr) => `gardener@${cidr}`).join(' ')}
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
# PAM's loginuid module fails in a container without CAP_AUDIT_CONTROL
UsePAM no
PermitTTY no
PermitUserRC no
X11Forwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
PermitTunnel no
GatewayPorts no
AllowTcpForwarding local
ForceCommand /bin/echo 'This bastion only forwards SSH to the nodes: ssh -J gardener@<bastion> gardener@<node>'
LoginGraceTime 30
ClientAliveInterval 30
`;
}

function authorizedKeys(access: BastionAccess): string {
  return `from="${access.ingressCidrs.join(',')}",restrict,port-forwarding ${access.sshPublicKey.trim()}\n`;
}

/**
 * Writes the bastion's identity and access rules through its mounted overlay, following no link
 * in it (it runs while they are written); the host key is made once, in `privateDir` on the host,
 * and kept. Returns whether the access rules changed (sshd must then reload them).
 */
export async function writeBastionFiles(
  rootfs: string,
  access: BastionAccess,
  privateDir: string,
): Promise<boolean> {
  const files: [string, string, number][] = [
    ['/etc/hostname', `${access.hostname}\n`, 0o644],
    ['/etc/hosts', `127.0.0.1 localhost ${access.hostname}\n`, 0o644],
    [BASTION_INIT_PATH, INIT_SCRIPT, 0o755],
    [SSHD_CONFIG_PATH, sshdConfig(access), 0o644],
    [AUTHORIZED_KEYS_PATH, authorizedKeys(access), 0o644],
  ];
  let changed = false;
  for (const [path, content, mode] of files) {
    if (await writeIfChanged(rootfs, path, content, mode)) changed = true;
  }
  await ensureHostKeys(rootfs, [HOST_KEY], `root@${access.hostname}`, privateDir);
  return changed;
}

/** The public host key (`ssh-ed25519 AAAA…`), from the bastion's own disk; none when it is not a valid key. */
export function readBastionHostKey(upperDir: string): Promise<string | undefined> {
  return readPublicHostKey(upperDir, `${HOST_KEY}.pub`);
}

/** a file that is not what it should be (a link, a FIFO, too large) is replaced */
async function writeIfChanged(rootfs: string, path: string, content: string, mode: number): Promise<boolean> {
  const current = await readRootfsFile(rootfs, path).catch((error: unknown) => {
    if (error instanceof RootfsFileError) return undefined;
    throw error;
  });
  if (current === content) return false;
  await writeRootfsFile(rootfs, path, content, mode);
  return true;
}
