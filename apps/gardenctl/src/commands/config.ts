import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { warn } from '../cli/io.js';
import { outputFormat, printObject } from '../cli/print.js';
import type { Handler } from '../cli/spec.js';
import { validateGardenName } from '../config/config.js';
import { expandHome } from '../config/paths.js';
import { validatePattern } from '../config/patterns.js';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';
import { closest } from '../suggest.js';
import { loadConfig } from './context.js';

function nameArgument(args: string[]): string {
  const name = args[0]?.trim();
  if (!name) throw usageError('garden identity is required', 'pass the garden name as the first argument');
  return name;
}

export const runSetGarden: Handler = async (ctx) => {
  const name = nameArgument(ctx.args);
  validateGardenName(name);
  const alias = ctx.flags.alias as string | undefined;
  if (alias) validateGardenName(alias, 'garden alias');
  const patterns = ctx.flags.pattern as string[] | undefined;
  for (const pattern of patterns ?? []) if (pattern !== '') validatePattern(pattern);
  let kubeconfig = ctx.flags.kubeconfig as string | undefined;
  if (kubeconfig) {
    // Stored absolute: a relative path would depend on the directory gardenctl runs in.
    kubeconfig = resolve(expandHome(kubeconfig));
    if (!existsSync(kubeconfig)) warn(ctx.io, `kubeconfig ${kubeconfig} does not exist (yet)`);
  }
  const config = await loadConfig(ctx);
  const existing = config.gardens.find((g) => g.identity === name);
  if (!existing && !kubeconfig) {
    throw usageError(`garden "${name}" is new and needs a kubeconfig`, `add --kubeconfig FILE`);
  }
  config.setGarden({
    identity: name,
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...(ctx.flags.context !== undefined ? { context: ctx.flags.context as string } : {}),
    ...(alias !== undefined ? { alias } : {}),
    ...(patterns !== undefined ? { patterns } : {}),
  });
  await config.save();
  ctx.io.out.write(`Successfully configured garden "${name}"\n`);
};

export const runConfigView: Handler = async (ctx) => {
  const format = outputFormat(ctx.flags.output, 'yaml');
  const config = await loadConfig(ctx);
  await printObject(ctx.io, config.doc, format);
};

export const runDeleteGarden: Handler = async (ctx) => {
  const name = nameArgument(ctx.args);
  const config = await loadConfig(ctx);
  if (!config.deleteGarden(name)) {
    const near = closest(
      name,
      config.gardens.map((g) => g.identity),
    );
    throw new GardenctlError(
      GardenctlErrorCode.GardenNotConfigured,
      `garden "${name}" is not defined in gardenctl configuration`,
      near.length > 0 ? `did you mean "${near[0]}"?` : 'gardenctl config view lists the configured gardens',
    );
  }
  await config.save();
  ctx.io.out.write(`Successfully deleted garden "${name}"\n`);
};
