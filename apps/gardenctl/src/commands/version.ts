import { readFileSync } from 'node:fs';
import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { outputOption } from '../cli/options.js';
import { printObject } from '../cli/print.js';

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

export class VersionCommand extends GardenctlCommand {
  static override paths = [['version']];
  static override usage = Command.Usage({ description: 'Print the gardenctl version information' });

  output = outputOption('text');
  short = Option.Boolean('--short', false, { description: 'If true, print just the version number.' });

  protected override async run(): Promise<void> {
    const info = {
      gitVersion: packageVersion(),
      nodeVersion: process.version,
      platform: `${process.platform}/${process.arch}`,
    };
    if (this.output) return printObject(this.io, info, this.output);
    this.io.out.write(
      this.short
        ? `Version: ${info.gitVersion}\n`
        : `Version: ${info.gitVersion} (node ${info.nodeVersion}, ${info.platform})\n`,
    );
  }
}
