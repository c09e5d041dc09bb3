import type { MachineLayout } from '../machines/layout.js';
import { containerSpec } from '../machines/runtime-spec.js';
import { BASTION_INIT_PATH } from './bastion-files.js';

/**
 * What sshd (privilege separation, chroot, port 22, ending a child past LoginGraceTime) and
 * useradd need, and no more: no CAP_DAC_OVERRIDE or CAP_FOWNER (every file it touches is root's),
 * nothing for networks, mounts or devices. With no_new_privs, no setuid program gains any.
 */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
];

/** A bastion is small: half a CPU (key exchanges of several users at once stay quick), 128 MiB and a few hundred processes. */
const LIMITS = { memoryBytes: 128 * 1024 * 1024, millicores: 500, pids: 256 };

/** The OCI runtime spec of a bastion: a machine's container, smaller, with no setuid programs. */
export function bastionRuntimeSpec(layout: MachineLayout, hostname: string): object {
  return containerSpec(layout, {
    hostname,
    init: BASTION_INIT_PATH,
    capabilities: CAPABILITIES,
    noNewPrivileges: true,
    limits: LIMITS,
  });
}
