import type { RunContext } from '../cli/spec.js';
import { GardenctlConfig } from '../config/config.js';
import { configFile } from '../config/paths.js';
import { sessionDir } from '../session/session.js';
import { TargetManager } from '../target/manager.js';
import { seedNotTargetable } from '../target/seeds.js';
import type { TargetFlags } from '../target/target.js';

export function loadConfig(ctx: RunContext): Promise<GardenctlConfig> {
  return GardenctlConfig.load(configFile(ctx.env, ctx.flags.config as string | undefined));
}

export async function manager(ctx: RunContext): Promise<TargetManager> {
  const dir = sessionDir(ctx.env);
  return new TargetManager(await loadConfig(ctx), dir, ctx.env);
}

/** `--garden --project --shoot` (and the unsupported `--seed`, `--control-plane`) of this command line. */
export function targetFlags(ctx: RunContext): TargetFlags {
  if (ctx.flags.seed) throw seedNotTargetable('seed');
  if (ctx.flags['control-plane']) throw seedNotTargetable('control-plane');
  const pick = (name: string) => {
    const value = ctx.flags[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const flags: TargetFlags = {};
  const garden = pick('garden');
  const project = pick('project');
  const shoot = pick('shoot');
  if (garden) flags.garden = garden;
  if (project) flags.project = project;
  if (shoot) flags.shoot = shoot;
  return flags;
}
