import { mkdir, readFile } from 'node:fs/promises';
import { MachineError, MachineErrorCode } from '../../../machine/errors.js';
import { run, runUnlessAbsent } from './commands.js';
import type { MachineLayout } from './layout.js';

/**
 * The machine's root: the shared base image as the read-only lower layer, the machine's own
 * upper directory on top, mounted at the bundle's rootfs.
 */
export async function ensureOverlay(layout: MachineLayout, baseImage: string): Promise<void> {
  for (const path of [baseImage, layout.upper, layout.work]) {
    // mount(8) splits overlay options at commas and lower layers at colons
    if (/[,:]/.test(path)) {
      throw new MachineError(
        MachineErrorCode.InvalidArgument,
        `overlay paths may not hold "," or ":": ${path}`,
      );
    }
  }
  // the upper directory's own mode becomes the machine's `/`; the machine directory keeps others out
  for (const dir of [layout.upper, layout.work, layout.rootfs])
    await mkdir(dir, { recursive: true, mode: 0o755 });
  if (await isMounted(layout.rootfs)) return;
  const options = `lowerdir=${baseImage},upperdir=${layout.upper},workdir=${layout.work}`;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', options, layout.rootfs]);
}

export async function removeOverlay(layout: MachineLayout): Promise<void> {
  while (await isMounted(layout.rootfs)) {
    await runUnlessAbsent('umount', [layout.rootfs], /not mounted|no mount point/);
  }
}

export async function isMounted(path: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === path);
}

/** mountinfo escapes space, tab, newline and backslash as octal */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
