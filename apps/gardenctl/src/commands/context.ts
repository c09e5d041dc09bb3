import type { Logger } from '../cli/log.js';
import { GardenctlConfig } from '../config/config.js';
import { configFile } from '../config/paths.js';
import { sessionDir } from '../session/session.js';
import { TargetManager } from '../target/manager.js';
import { seedNotTargetable } from '../target/seeds.js';
import type { TargetFlags } from '../target/target.js';

/** Where gardenctl runs: its environment and `--config` (a command, or a completion request). */
export interface Invocation {
  readonly env: NodeJS.ProcessEnv;
  readonly config?: string | undefined;
  /** `-v`'s logger; completion requests have none */
  readonly log?: Logger;
}

export function loadConfig({ env, config, log }: Invocation): Promise<GardenctlConfig> {
  const file = configFile(env, config);
  log?.info(1, 'Using config file', { file });
  return GardenctlConfig.load(file);
}

export async function manager(invocation: Invocation): Promise<TargetManager> {
  const dir = sessionDir(invocation.env);
  return new TargetManager(await loadConfig(invocation), dir, invocation.env, invocation.log);
}

/** The target flags as given; a command passes the ones it declares. */
export interface TargetFlagValues {
  garden?: string | undefined;
  project?: string | undefined;
  shoot?: string | undefined;
  seed?: string | undefined;
  controlPlane?: boolean | undefined;
}

/** `--garden --project --shoot`, blank ones left out; `--seed` and `--control-plane` are refused. */
export function targetFlags(given: TargetFlagValues): TargetFlags {
  if (given.seed) throw seedNotTargetable('seed');
  if (given.controlPlane) throw seedNotTargetable('control-plane');
  const flags: TargetFlags = {};
  for (const key of ['garden', 'project', 'shoot'] as const) {
    const value = given[key]?.trim();
    if (value) flags[key] = value;
  }
  return flags;
}
