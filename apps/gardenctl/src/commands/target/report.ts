import type { GardenctlCommand } from '../../cli/command.js';
import { paint, warn } from '../../cli/io.js';
import type { ResolvedTarget, TargetManager } from '../../target/manager.js';

/** ` (access level: viewer)` when the command or the garden's default chose one, as gardenctl-v2 says it. */
function levelSuffix(m: TargetManager, resolved: ResolvedTarget): string {
  const { garden, shoot } = resolved.target;
  if (!garden || !shoot || !resolved.accessLevel || !m.shootAccessLevel(garden)) return '';
  return ` (access level: ${resolved.accessLevel})`;
}

/** "Successfully targeted …", and a warning when this shell's KUBECONFIG does not follow the target. */
export function reportTargeted(
  command: GardenctlCommand,
  m: TargetManager,
  resolved: ResolvedTarget,
  what: string,
): void {
  const { io, env } = command;
  io.out.write(
    `${paint(io.outColour, 'green', 'Successfully')} targeted ${what}${levelSuffix(m, resolved)}\n`,
  );
  if (!m.linkEnabled()) return;
  if (resolved.kubeconfigProblem) {
    warn(io, `${resolved.kubeconfigProblem}; this session's kubeconfig.yaml is removed until then`);
  } else if (env.KUBECONFIG !== m.linkPath()) {
    warn(
      io,
      'The KUBECONFIG environment variable does not point to the current target of gardenctl. Run `gardenctl kubectl-env --help` on how to configure the KUBECONFIG environment variable accordingly',
    );
  }
}
