import type { MachineLayout } from '../machines/layout.js';
import { BASTION_INIT_PATH } from './bastion-files.js';

/** what sshd (privilege separation, chroot) and useradd need; nothing for networks or mounts */
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

const mount = (destination: string, type: string, source: string, options: string[]) => ({
  destination,
  type,
  source,
  options,
});

/** A bastion is small: a quarter CPU, 128 MiB and a few hundred processes. */
const LIMITS = { memoryBytes: 128 * 1024 * 1024, cpuQuotaUs: 25_000, cpuPeriodUs: 100_000, pids: 256 };

/** The OCI runtime spec of a bastion: like a machine's (own PID, UTS, mount, IPC and network namespaces), smaller. */
export function bastionRuntimeSpec(layout: MachineLayout, hostname: string): object {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/bash', BASTION_INIT_PATH],
      env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
      ],
      cwd: '/',
      capabilities: { bounding: CAPABILITIES, effective: CAPABILITIES, permitted: CAPABILITIES },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: false },
    hostname,
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
      mount('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']),
      mount('/run', 'tmpfs', 'tmpfs', ['nosuid', 'nodev', 'mode=755', 'size=16384k']),
      mount('/tmp', 'tmpfs', 'tmpfs', ['nosuid', 'nodev', 'mode=1777', 'size=65536k']),
    ],
    linux: {
      cgroupsPath: layout.cgroup,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: { limit: LIMITS.memoryBytes },
        cpu: { quota: LIMITS.cpuQuotaUs, period: LIMITS.cpuPeriodUs },
        pids: { limit: LIMITS.pids },
      },
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
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
