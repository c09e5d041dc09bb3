import { outputFormat } from '../cli/print.js';
import type { Handler } from '../cli/spec.js';
import { sessionDir } from '../session/session.js';
import { compact, mergeTarget, TARGET_KEYS, type Target, validateTarget } from '../target/target.js';
import { readTarget } from '../target/target-file.js';
import { loadConfig, targetFlags } from './context.js';

const NEEDS_QUOTES = /^(true|false|yes|no|on|off|null|~|[-+.\d].*|.*[:#{}[\],&*?|<>=!%@`'"].*)$/i;

/** Flat YAML without the YAML library: this command must start fast (≤ 150 ms). */
function flatYaml(t: Target): string {
  const lines = TARGET_KEYS.filter((k) => t[k]).map((k) => {
    const v = t[k] as string;
    return `${k}: ${NEEDS_QUOTES.test(v) ? JSON.stringify(v) : v}`;
  });
  if (t.controlPlane) lines.push('controlPlane: true');
  return lines.length > 0 ? `${lines.join('\n')}\n` : '{}\n';
}

export const runView: Handler = async (ctx) => {
  const format = outputFormat(ctx.flags.output, 'yaml');
  const flags = targetFlags(ctx);
  // Only an alias given as --garden needs the config (to name the garden by its identity).
  if (flags.garden) flags.garden = (await loadConfig(ctx)).garden(flags.garden).identity;
  const target = compact(mergeTarget(await readTarget(sessionDir(ctx.env)), flags));
  validateTarget(target);
  ctx.io.out.write(format === 'json' ? `${JSON.stringify(target, null, 2)}\n` : flatYaml(target));
};
