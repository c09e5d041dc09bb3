import { existsSync } from 'node:fs';
import { ToolchainError, ToolchainErrorCode } from './errors.js';
import { type BinarySpec, TOOL_PINS, type ToolPin } from './pins.js';
import { tofuCliConfigPath } from './tofu-mirror.js';
import { type BinaryStatus, binaryPath, checkBinary } from './verify.js';

export { baseImageReady, baseImageRootfs } from './base-image.js';
export { ToolchainError, ToolchainErrorCode } from './errors.js';
export {
  MACHINE_ID_COUNT,
  MACHINE_ID_OFFSET,
  machineImageReady,
  machineImageRootfs,
} from './machine-image.js';
export { KUBERNETES_VERSION, TOOL_PINS } from './pins.js';
export { providerPins, tofuCliConfigPath, tofuMirrorDir } from './tofu-mirror.js';

export type BinaryName =
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'kubectl'
  | 'etcd'
  | 'tofu'
  | 'kwok'
  | 'crane'
  | 'coredns';

function find(name: string): { pin: ToolPin; binary: BinarySpec } {
  for (const pin of TOOL_PINS) {
    const binary = pin.binaries.find((b) => b.file === name);
    if (binary) return { pin, binary };
  }
  throw new ToolchainError(ToolchainErrorCode.UnknownTool, `no pinned tool named ${name}`);
}

/** Path of a pinned binary (or its environment override); throws when it has not been built. */
export function binary(name: BinaryName): string {
  const { pin, binary: spec } = find(name);
  const { path } = binaryPath(pin, spec);
  if (!existsSync(path)) {
    throw new ToolchainError(
      ToolchainErrorCode.NotBuilt,
      `${name} ${pin.version} is not built (${path}): run \`npm run toolchain -- build\``,
    );
  }
  return path;
}

const verified = new Map<string, Promise<BinaryStatus>>();

/** Like binary(), but also proves the version by running it (once per process). */
export async function verifiedBinary(name: BinaryName): Promise<string> {
  const { pin, binary: spec } = find(name);
  let status = verified.get(name);
  if (!status) {
    status = checkBinary(pin, spec);
    verified.set(name, status);
  }
  const result = await status;
  if (result.state === 'ready') return result.path;
  throw new ToolchainError(
    result.state === 'missing' ? ToolchainErrorCode.NotBuilt : ToolchainErrorCode.VersionMismatch,
    `${name}: expected ${pin.version} at ${result.path}, found ${result.state}` +
      `${result.detail ? ` (${result.detail})` : ''}: run \`npm run toolchain -- build\``,
  );
}

/** Environment for tofu: providers from the local mirror only, no checkpoint calls home. */
export function tofuEnvironment(): Record<string, string> {
  return { TF_CLI_CONFIG_FILE: tofuCliConfigPath(), CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
}
