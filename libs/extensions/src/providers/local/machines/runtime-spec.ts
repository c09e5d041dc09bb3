import type { MachineLayout } from './layout.js';
import { INIT_PATH } from './machine-init.js';
import type { PlacedMachineSpec } from './machine-spec.js';
import { type SeccompOptions, seccompProfile } from './seccomp.js';

/** Annotations on every machine's container: list() finds a shoot's machines by them. */
export const ANNOTATIONS = {
  technicalId: 'local.gardener-ts.io/technical-id',
  machine: 'local.gardener-ts.io/machine',
  address: 'local.gardener-ts.io/address',
  providerId: 'local.gardener-ts.io/provider-id',
} as const;

/**
 * What sshd (privilege separation, port 22), useradd and root through sudo need. Not Docker's
 * default set: no CAP_MKNOD (a device node on the machine's disk is the host's device to whoever
 * reads it there), no CAP_NET_RAW (no forged packets on the shoot's bridge), no CAP_SETFCAP,
 * CAP_SETPCAP or CAP_FSETID; and never CAP_SYS_ADMIN or CAP_NET_ADMIN.
 */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
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
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'network', path: `/run/netns/${layout.netns}` },
      ],
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
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/** A machine: the machine class's CPU and memory; sudo (setuid) works for user gardener. */
export function runtimeSpec(layout: MachineLayout, spec: PlacedMachineSpec): object {
  return containerSpec(layout, {
    hostname: spec.name,
    init: INIT_PATH,
    capabilities: CAPABILITIES,
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
