import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from './paths.js';
import { TOOL_PINS, type ToolPin } from './pins.js';
import { binaryPath } from './verify.js';

const REGISTRY = 'registry.opentofu.org';
const PLATFORM = 'linux_amd64';

export function tofuMirrorDir(): string {
  return join(cacheRoot(), 'tofu', 'providers');
}

/** CLI configuration that installs providers from the local mirror only, never the network. */
export function tofuCliConfigPath(): string {
  return join(cacheRoot(), 'tofu', 'gardener-ts.tfrc');
}

export function providerPins(): ToolPin[] {
  return TOOL_PINS.filter((pin) => pin.provider !== undefined);
}

/** Lays the built providers out as an unpacked filesystem mirror and writes the CLI config. */
export async function writeTofuMirror(): Promise<void> {
  for (const pin of providerPins()) {
    const provider = pin.provider;
    const binary = pin.binaries[0];
    if (!provider || !binary) continue;
    const dir = join(tofuMirrorDir(), REGISTRY, provider.namespace, provider.type, pin.version, PLATFORM);
    await mkdir(dir, { recursive: true });
    const source = binaryPath(pin, binary).path;
    const target = join(dir, binary.file);
    if (!(await sameFile(source, target))) await copyFile(source, target);
  }
  const config = [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(tofuMirrorDir())}`,
    `    include = ["${REGISTRY}/*/*"]`,
    '  }',
    '}',
    '',
  ].join('\n');
  await writeFile(tofuCliConfigPath(), config);
}

async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.size === sb.size && sb.mtimeMs >= sa.mtimeMs;
  } catch {
    return false;
  }
}
