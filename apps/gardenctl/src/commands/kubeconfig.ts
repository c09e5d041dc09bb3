import { outputFormat, printObject } from '../cli/print.js';
import type { Handler } from '../cli/spec.js';
import { flatten, redact } from '../garden/kubeconfig.js';
import { noGardenTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** The kubeconfig of the current target (with this command's target flags laid over it). */
export const runKubeconfig: Handler = async (ctx) => {
  const format = outputFormat(ctx.flags.output, 'yaml');
  const m = await manager(ctx);
  const target = await m.current(targetFlags(ctx));
  if (!target.garden) throw noGardenTargeted(m.config);
  const resolved = await m.resolve(target);
  const level = ctx.flags['access-level'] === 'viewer' ? 'viewer' : 'admin';
  let kubeconfig = await m.kubeconfigFor(resolved, level);
  if (ctx.flags.flatten) kubeconfig = flatten(kubeconfig);
  if (!ctx.flags.raw) kubeconfig = redact(kubeconfig);
  await printObject(ctx.io, kubeconfig, format);
};
