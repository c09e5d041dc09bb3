import { readFileSync } from 'node:fs';
import { outputFormat, printObject } from '../cli/print.js';
import type { Handler } from '../cli/spec.js';

function packageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@gardener-ts/gardenctl' && pkg.version) return `v${pkg.version}`;
    } catch {}
  }
  return 'v0.0.0-unknown';
}

export const runVersion: Handler = async (ctx) => {
  const info = {
    gitVersion: packageVersion(),
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
  if (ctx.flags.output === undefined) {
    ctx.io.out.write(
      ctx.flags.short
        ? `Version: ${info.gitVersion}\n`
        : `Version: ${info.gitVersion} (node ${info.nodeVersion}, ${info.platform})\n`,
    );
    return;
  }
  await printObject(ctx.io, info, outputFormat(ctx.flags.output, 'yaml'));
};
