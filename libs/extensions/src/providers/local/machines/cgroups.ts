import { chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** What lets the owner move processes into the cgroup and make children; its limits stay root's. */
const DELEGATED_FILES = ['cgroup.procs', 'tasks', 'cgroup.clone_children', 'cgroup.subtree_control'];

/**
 * Hands a container's cgroup (in every hierarchy) to its root user, as systemd delegates a
 * subtree: the directory and the files that place processes, never the limit files. The machine
 * can then divide its share among pods (containerd's runc writes their limits), but not raise it.
 */
export async function delegateCgroup(cgroupPath: string, owner: number): Promise<void> {
  for (const hierarchy of await readdir(CGROUP_ROOT)) {
    const dir = join(CGROUP_ROOT, hierarchy, cgroupPath);
    const present = await chown(dir, owner, owner).then(
      () => true,
      () => false,
    );
    if (!present) continue;
    for (const file of DELEGATED_FILES) await chown(join(dir, file), owner, owner).catch(() => undefined);
  }
}
