import { MACHINE_ID_COUNT, MACHINE_ID_OFFSET } from '@gardener-ts/infra/toolchain';
import type { MachineLayout } from './layout.js';
import type { PlacedMachineSpec } from './machine-spec.js';
import { INIT_PATH, KUBE_PROXY_PATH, KUBELET_PATH, NODE_IMAGES_DIR } from './node-components.js';
import type { ProcFiles } from './proc-files.js';
import { MOUNT_SYSCALLS, type SeccompOptions, seccompProfile } from './seccomp.js';

/** Annotations on every machine's container: list() finds a shoot's machines by them. */
export const ANNOTATIONS = {
  technicalId: 'local.gardener-ts.io/technical-id',
  machine: 'local.gardener-ts.io/machine',
  address: 'local.gardener-ts.io/address',
  providerId: 'local.gardener-ts.io/provider-id',
} as const;

/**
 * A machine runs containerd and a kubelet, so its root holds every capability a container
 * runtime and its pods need; all of them act only inside the machine's own user namespace (host
 * ids from MACHINE_ID_OFFSET): its own network, mount, cgroup and PID namespaces and the files
 * its ids own. None reaches the host's devices, modules, clock or global sysctls.
 */
const NODE_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_ADMIN',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_MKNOD',
  'CAP_AUDIT_WRITE',
];

/** What containerd and runc inside a machine do beyond the common profile (all in its namespaces). */
const NODE_SYSCALLS = [
  ...MOUNT_SYSCALLS,
  // runc gives each container a session keyring of its own; keyrings are per user namespace
  'add_key',
  'keyctl',
  'request_key',
];

const CPU_PERIOD_US = 100_000;

const mount = (destination: string, type: string, source: string, options: string[]) => ({
  destination,
  type,
  source,
  options,
});

/** What differs between the local cloud's containers (machines, bastions). */
export interface ContainerOptions {
  readonly hostname: string;
  /** the bash script that runs as PID 1 */
  readonly init: string;
  readonly capabilities: readonly string[];
  /** false where setuid programs (sudo) must work */
  readonly noNewPrivileges: boolean;
  readonly limits: { readonly memoryBytes: number; readonly millicores: number; readonly pids: number };
  readonly annotations?: Readonly<Record<string, string>>;
  /** what this kind of container may do beyond the common seccomp profile */
  readonly seccomp?: SeccompOptions;
  /** a node: own user, cgroup and network namespaces, writable cgroups, state on the host's disk */
  readonly node?: NodeMounts;
}

/** Host paths a node's container needs besides its root. */
export interface NodeMounts {
  readonly containerdDir: string;
  readonly kubeletDir: string;
  readonly kubeletBinary: string;
  readonly kubeProxyBinary: string;
  /** image archives imported at boot (read-only); none when absent */
  readonly imagesDir?: string;
  /** the machine type's /proc/meminfo and /proc/cpuinfo */
  readonly proc: ProcFiles;
}

/**
 * The OCI runtime spec of one of the local cloud's containers: bash init as PID 1 in its own PID,
 * UTS, mount and IPC namespaces, joining its prepared network namespace, with cgroup limits, the
 * seccomp profile, no host device (only runc's null, zero, full, tty, random, urandom, ptmx),
 * /sys read-only and the /proc entries that show or change the host masked or read-only.
 */
export function containerSpec(layout: MachineLayout, options: ContainerOptions): object {
  const capabilities = [...options.capabilities];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/bash', options.init],
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
      ],
      cwd: '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      noNewPrivileges: options.noNewPrivileges,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: options.hostname,
    annotations: options.annotations ?? {},
    mounts: [
      mount('/proc', 'proc', 'proc', ['nosuid', 'noexec', 'nodev']),
      mount('/dev', 'tmpfs', 'tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
      mount('/dev/pts', 'devpts', 'devpts', [
        'nosuid',
        'noexec',
        'newinstance',
        'ptmxmode=0666',
        'mode=0620',
        'gid=5',
      ]),
      mount('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k']),
      mount('/dev/mqueue', 'mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']),
      mount('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']),
      mount('/run', 'tmpfs', 'tmpfs', ['nosuid', 'nodev', 'mode=755', 'size=16384k']),
      mount('/tmp', 'tmpfs', 'tmpfs', ['nosuid', 'nodev', 'mode=1777', 'size=65536k']),
      ...(options.node ? nodeMounts(options.node) : []),
    ],
    linux: {
      cgroupsPath: layout.cgroup,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: { limit: options.limits.memoryBytes },
        cpu: { quota: Math.round((options.limits.millicores * CPU_PERIOD_US) / 1000), period: CPU_PERIOD_US },
        pids: { limit: options.limits.pids },
      },
      seccomp: seccompProfile(options.seccomp),
      namespaces: options.node
        ? [...COMMON_NAMESPACES, { type: 'user' }, { type: 'cgroup' }, { type: 'network' }]
        : [...COMMON_NAMESPACES, { type: 'network', path: `/run/netns/${layout.netns}` }],
      ...(options.node ? ID_MAPPINGS : {}),
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/sys/devices/virtual/powercap',
        '/proc/scsi',
        '/proc/interrupts',
      ],
      // a node sets its namespaces' sysctls (pod networks); global ones stay the host root's
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sysrq-trigger'].concat(
        options.node ? [] : ['/proc/sys'],
      ),
    },
  };
}

const COMMON_NAMESPACES = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];

const ID_MAPPINGS = {
  uidMappings: [{ containerID: 0, hostID: MACHINE_ID_OFFSET, size: MACHINE_ID_COUNT }],
  gidMappings: [{ containerID: 0, hostID: MACHINE_ID_OFFSET, size: MACHINE_ID_COUNT }],
};

function nodeMounts(node: NodeMounts): object[] {
  return [
    // the machine's own subtree of each hierarchy (cgroup namespace), which it may divide
    mount('/sys/fs/cgroup', 'cgroup', 'cgroup', ['nosuid', 'noexec', 'nodev', 'relatime', 'rw']),
    // containerd's snapshots must not be on the overlay root
    mount('/var/lib/containerd', 'bind', node.containerdDir, ['rbind', 'rw']),
    mount('/var/lib/kubelet', 'bind', node.kubeletDir, ['rbind', 'rw']),
    mount(KUBELET_PATH, 'bind', node.kubeletBinary, ['bind', 'ro', 'nosuid', 'nodev']),
    mount(KUBE_PROXY_PATH, 'bind', node.kubeProxyBinary, ['bind', 'ro', 'nosuid', 'nodev']),
    mount('/proc/meminfo', 'bind', node.proc.meminfo, ['bind', 'ro', 'nosuid', 'nodev', 'noexec']),
    mount('/proc/cpuinfo', 'bind', node.proc.cpuinfo, ['bind', 'ro', 'nosuid', 'nodev', 'noexec']),
    ...(node.imagesDir
      ? [mount(NODE_IMAGES_DIR, 'bind', node.imagesDir, ['rbind', 'ro', 'nosuid', 'nodev'])]
      : []),
  ];
}

/** A machine: the machine class's CPU and memory, a node's runtime; sudo works for user gardener. */
export function runtimeSpec(layout: MachineLayout, spec: PlacedMachineSpec, node: NodeMounts): object {
  return containerSpec(layout, {
    hostname: spec.name,
    init: INIT_PATH,
    capabilities: NODE_CAPABILITIES,
    node,
    seccomp: { allow: NODE_SYSCALLS },
    noNewPrivileges: false,
    limits: { memoryBytes: spec.memoryBytes, millicores: spec.millicores, pids: 4096 },
    annotations: {
      [ANNOTATIONS.technicalId]: spec.technicalId,
      [ANNOTATIONS.machine]: spec.name,
      [ANNOTATIONS.address]: spec.address,
      [ANNOTATIONS.providerId]: spec.providerId,
    },
  });
}
