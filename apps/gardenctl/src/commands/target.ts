import { paint, warn } from '../cli/io.js';
import type { Handler, RunContext } from '../cli/spec.js';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';
import type { ResolvedTarget, TargetManager } from '../target/manager.js';
import { seedNotTargetable } from '../target/seeds.js';
import type { TargetFlags } from '../target/target.js';
import { manager, targetFlags } from './context.js';

type Kind = 'garden' | 'project' | 'shoot';

/** `gardenctl target VALUE` (a pattern match) or `gardenctl target --garden … --project … --shoot …`. */
export const runTarget: Handler = async (ctx) => {
  const flags = targetFlags(ctx);
  const value = ctx.args[0]?.trim();
  if (ctx.args.length > 1)
    throw usageError(`target takes one value, got ${ctx.args.length}`, 'quote a value with spaces');
  const m = await manager(ctx);
  if (value) {
    const overlay = await patternOverlay(m, flags, value);
    await finish(ctx, m, await m.apply(overlay), `pattern "${value}"`);
    return;
  }
  const kind: Kind | undefined = flags.shoot
    ? 'shoot'
    : flags.project
      ? 'project'
      : flags.garden
        ? 'garden'
        : undefined;
  if (!kind) {
    throw usageError(
      'nothing to target',
      'run gardenctl target garden|project|shoot NAME, gardenctl target VALUE (matching a configured pattern), or use --garden/--project/--shoot',
    );
  }
  await finish(ctx, m, await m.apply(flags), `${kind} "${flags[kind]}"`);
};

export function runTargetKind(kind: Kind): Handler {
  return async (ctx) => {
    const name = ctx.args[0]?.trim();
    if (!name)
      throw usageError(`target kind "${kind}" requires a name argument`, `run gardenctl target ${kind} NAME`);
    if (ctx.args.length > 1) throw usageError(`target ${kind} takes one name, got ${ctx.args.length}`);
    const given = targetFlags(ctx);
    const flags: TargetFlags = kind === 'garden' ? { garden: name } : { ...given, [kind]: name };
    const m = await manager(ctx);
    await finish(ctx, m, await m.apply(flags), `${kind} "${name}"`);
  };
}

export function runTargetSeed(what: 'seed' | 'control-plane'): Handler {
  return async () => {
    throw seedNotTargetable(what);
  };
}

export const runUnset: Handler = async (ctx) => {
  const kind = ctx.args[0];
  if (kind === 'seed' || kind === 'control-plane') {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `no ${kind === 'seed' ? 'seed' : 'control plane'} targeted`,
      'the local seed has no cluster to target, so there is nothing to unset',
    );
  }
  if (kind !== 'garden' && kind !== 'project' && kind !== 'shoot') {
    throw usageError(`invalid target kind "${kind}"`, 'must be one of garden, project, shoot');
  }
  const m = await manager(ctx);
  const { name, target } = await m.unset(kind);
  try {
    await m.relink({ target });
  } catch (error) {
    warn(ctx.io, `the session kubeconfig could not be updated: ${(error as Error).message}`);
  }
  ctx.io.out.write(`Successfully unset targeted ${kind} "${name}"\n`);
};

async function patternOverlay(m: TargetManager, flags: TargetFlags, value: string): Promise<TargetFlags> {
  const persisted = await m.persisted();
  const preferred = flags.garden ? m.config.garden(flags.garden).identity : persisted.garden;
  const match = m.config.matchPattern(preferred, value);
  if (match.seed) throw seedNotTargetable('seed');
  if (match.project && match.namespace) {
    throw new GardenctlError(
      GardenctlErrorCode.Config,
      `project "${match.project}" and namespace "${match.namespace}" set in target match value. It is forbidden to have both values set`,
      'fix the pattern so it captures either project or namespace',
    );
  }
  const project = match.namespace ? await m.projectOfNamespace(match.garden, match.namespace) : match.project;
  const conflicts: string[] = [];
  const check = (name: keyof TargetFlags, fromPattern: string | undefined, given = flags[name]) => {
    if (fromPattern && given && fromPattern !== given)
      conflicts.push(`--${name}=${given} contradicts pattern (${name}=${fromPattern})`);
  };
  if (flags.garden && preferred !== match.garden) check('garden', match.garden);
  check('project', project);
  check('shoot', match.shoot);
  if (conflicts.length > 0) throw usageError(conflicts.join('; '));
  const overlay: TargetFlags = { garden: match.garden };
  const projectName = project ?? flags.project;
  const shootName = match.shoot ?? flags.shoot;
  if (projectName) overlay.project = projectName;
  if (shootName) overlay.shoot = shootName;
  return overlay;
}

async function finish(
  ctx: RunContext,
  m: TargetManager,
  resolved: ResolvedTarget,
  what: string,
): Promise<void> {
  ctx.io.out.write(`${paint(ctx.io.outColour, 'green', 'Successfully')} targeted ${what}\n`);
  if (!m.linkEnabled()) return;
  if (resolved.kubeconfigProblem) {
    warn(ctx.io, `${resolved.kubeconfigProblem}; this session's kubeconfig.yaml is removed until then`);
  } else if (ctx.env.KUBECONFIG !== m.linkPath()) {
    warn(
      ctx.io,
      'The KUBECONFIG environment variable does not point to the current target of gardenctl. Run `gardenctl kubectl-env --help` on how to configure the KUBECONFIG environment variable accordingly',
    );
  }
}
