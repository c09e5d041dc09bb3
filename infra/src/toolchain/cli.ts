#!/usr/bin/env node
import { baseImageReady, baseImageRootfs, buildBaseImage } from './base-image.js';
import { buildPins, defaultBuildOptions, pinsNeedingBuild } from './build.js';
import { ToolchainError } from './errors.js';
import { type BinaryName, binary } from './index.js';
import { buildMachineImage, machineImageReady, machineImageRootfs } from './machine-image.js';
import { TOOL_PINS } from './pins.js';
import { tofuCliConfigPath, writeTofuMirror } from './tofu-mirror.js';
import { type BinaryStatus, checkAll } from './verify.js';

const USAGE = `usage: npm run toolchain -- [status [--json] | build [TOOL...] [--no-image] | path BINARY]

  status   print every pinned tool, its version, path and whether it is ready (default)
  build    build what is missing or out of date (all tools, or only the named ones), then the
           OpenTofu provider mirror and the Debian base image for local machines
  path     print the path of a built binary, e.g. \`"$(npm run -s toolchain -- path kubectl)" get shoots\`
tools: ${TOOL_PINS.map((p) => p.name).join(', ')}`;

async function status(json: boolean): Promise<boolean> {
  const rows = await checkAll();
  const images = { base: await baseImageReady(), machine: await machineImageReady() };
  if (json) {
    const baseImage = { path: baseImageRootfs(), ready: images.base };
    const machineImage = { path: machineImageRootfs(), ready: images.machine };
    console.log(JSON.stringify({ binaries: rows, baseImage, machineImage }, null, 2));
  } else {
    printTable(rows, images);
  }
  return rows.every((r) => r.state === 'ready') && images.base && images.machine;
}

function printTable(rows: BinaryStatus[], images: { base: boolean; machine: boolean }): void {
  const lines = rows.map((r) => [
    r.tool,
    r.binary,
    r.version,
    r.state === 'ready' ? 'ready' : r.state.toUpperCase(),
    `${r.path}${r.fromEnv ? ' (from env)' : ''}`,
  ]);
  lines.push([
    'base-image',
    'rootfs',
    'debian bookworm',
    images.base ? 'ready' : 'MISSING',
    baseImageRootfs(),
  ]);
  lines.push([
    'machine-image',
    'rootfs',
    'ids shifted',
    images.machine ? 'ready' : 'MISSING',
    machineImageRootfs(),
  ]);
  lines.push(['opentofu', 'cli config', '', '', tofuCliConfigPath()]);
  const header = ['TOOL', 'BINARY', 'VERSION', 'STATE', 'PATH'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  for (const line of [header, ...lines]) {
    console.log(
      line
        .map((cell, i) => (cell ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
}

async function build(names: string[], withImage: boolean): Promise<void> {
  const unknown = names.filter((n) => !TOOL_PINS.some((p) => p.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown tool ${unknown.join(', ')}; tools: ${TOOL_PINS.map((p) => p.name).join(', ')}`);
  }
  const selected = names.length ? TOOL_PINS.filter((p) => names.includes(p.name)) : TOOL_PINS;
  const log = (line: string) => console.log(line);
  const todo = await pinsNeedingBuild(selected);
  if (todo.length === 0) log('all selected tools are built and report their pinned versions');
  await buildPins(todo, defaultBuildOptions(log));
  await writeTofuMirror();
  if (!withImage) return;
  if (!(await baseImageReady())) await buildBaseImage(log);
  if (!(await machineImageReady())) await buildMachineImage(log);
}

async function main(argv: string[]): Promise<number> {
  const [command = 'status', ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const names = rest.filter((a) => !a.startsWith('--'));
  switch (command) {
    case 'status':
      return (await status(flags.includes('--json'))) ? 0 : 1;
    case 'build':
      await build(names, !flags.includes('--no-image'));
      return (await status(false)) ? 0 : 1;
    case 'path':
      console.log(binary(names[0] as BinaryName));
      return 0;
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ToolchainError ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
