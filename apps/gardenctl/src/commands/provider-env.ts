import type { Handler } from '../cli/spec.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { noShootTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';
import { shellArgument } from './kubectl-env.js';

/** Clouds whose credentials provider-env knows how to export; none yet besides `local`, which has none. */
export const runProviderEnv: Handler = async (ctx) => {
  shellArgument(ctx);
  const m = await manager(ctx);
  const target = await m.current(targetFlags(ctx));
  if (!target.shoot) throw noShootTargeted();
  const resolved = await m.resolve(target);
  const type = (resolved.shoot?.spec?.provider as { type?: string } | undefined)?.type ?? 'unknown';
  if (type === 'local') {
    ctx.io.err.write(
      `no credentials: shoot "${target.shoot}" runs on the local provider, which uses no cloud account, so there are no provider credentials to ${ctx.flags.unset ? 'unset' : 'export'}\n`,
    );
    return;
  }
  throw new GardenctlError(
    GardenctlErrorCode.Unsupported,
    `provider-env does not support provider type "${type}" of shoot "${target.shoot}" yet`,
    "read the cloud credentials from the shoot's credentials binding in the garden",
  );
};
