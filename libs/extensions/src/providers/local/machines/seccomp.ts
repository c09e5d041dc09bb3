import { arch } from 'node:os';

/**
 * The seccomp profile of the local cloud's containers (machines and bastions): every system call
 * is allowed except those that reach kernel state shared with the seed host or that no container
 * of ours needs. Most of them need a capability the containers do not have anyway (CAP_SYS_ADMIN,
 * CAP_SYS_MODULE, CAP_SYS_TIME, …); the profile is the second wall, and the only one for the calls
 * any process may make (user namespaces, keyrings, bpf, perf, userfaultfd, io_uring).
 *
 * One place on purpose: what a later kind of machine needs more (a kubelet and containerd mount,
 * make namespaces) is given through `allow`, never by editing the lists below for everyone.
 */

const EPERM = 1;
const ENOSYS = 38;
/** clone(2)/unshare(2) flag for a new user namespace */
const CLONE_NEWUSER = 0x10000000;

/** Mounts and joining namespaces: a container runtime inside a machine needs them. */
export const MOUNT_SYSCALLS = [
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'move_mount',
  'open_tree',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
  'setns',
];

const DENIED = [
  // kernel keyrings are not namespaced: another tenant's, or the host's, keys
  'add_key',
  'keyctl',
  'request_key',
  // kernel code and tracing: bpf programs, perf events, dcookies
  'bpf',
  'perf_event_open',
  'lookup_dcookie',
  // a large, often exploited, attack surface no machine needs
  'userfaultfd',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  // the host's kernel, clock, swap, quotas, accounting, log and power
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'create_module',
  'get_kernel_syms',
  'query_module',
  'reboot',
  'swapon',
  'swapoff',
  'syslog',
  'acct',
  'quotactl',
  'quotactl_fd',
  'settimeofday',
  'stime',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  '_sysctl',
  'sysfs',
  'ustat',
  'uselib',
  'nfsservctl',
  'vhangup',
  // port I/O and legacy modes
  'iopl',
  'ioperm',
  'vm86',
  'vm86old',
  // mounts and namespaces: runc made them before the profile applies
  ...MOUNT_SYSCALLS,
  // files by handle walk around the mount namespace (the "shocker" escape)
  'open_by_handle_at',
  'name_to_handle_at',
  'fanotify_init',
  // compares kernel pointers of other processes' files
  'kcmp',
];

export interface SeccompOptions {
  /** system calls this kind of container needs beyond the default (e.g. `mount` for a kubelet) */
  readonly allow?: readonly string[];
  /** whether processes may make user namespaces (rootless container runtimes need them) */
  readonly userNamespaces?: boolean;
}

/** The OCI `linux.seccomp` section. */
export function seccompProfile(options: SeccompOptions = {}): object {
  const allowed = new Set(options.allow ?? []);
  const newUser = { index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' };
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: architectures(),
    syscalls: [
      { names: DENIED.filter((name) => !allowed.has(name)), action: 'SCMP_ACT_ERRNO', errnoRet: EPERM },
      ...(options.userNamespaces
        ? []
        : [
            // clone3 passes its flags in memory, where seccomp cannot look: ENOSYS makes libc use clone
            { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
            { names: ['clone', 'unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: [newUser] },
          ]),
    ],
  };
}

/** the native architecture and its compat modes: a 32-bit call must not slip past the lists */
function architectures(): string[] {
  switch (arch()) {
    case 'x64':
      return ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
    case 'arm64':
      return ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'];
    default:
      return [];
  }
}
