import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pinBinDir } from './paths.js';
import { type BinarySpec, TOOL_PINS, type ToolPin } from './pins.js';

const run = promisify(execFile);

export type BinaryState = 'ready' | 'missing' | 'wrong-version';

export interface BinaryStatus {
  readonly tool: string;
  readonly binary: string;
  readonly version: string;
  readonly path: string;
  /** true when the path came from the binary's environment variable */
  readonly fromEnv: boolean;
  readonly state: BinaryState;
  readonly detail?: string;
}

export function binaryPath(pin: ToolPin, binary: BinarySpec): { path: string; fromEnv: boolean } {
  const override = process.env[binary.env];
  if (override) return { path: override, fromEnv: true };
  return { path: join(pinBinDir(pin), binary.file), fromEnv: false };
}

/** Runs the binary's own version report and compares it with the pin. */
export async function checkBinary(pin: ToolPin, binary: BinarySpec): Promise<BinaryStatus> {
  const { path, fromEnv } = binaryPath(pin, binary);
  const base = { tool: pin.name, binary: binary.file, version: pin.version, path, fromEnv };
  if (!existsSync(path)) return { ...base, state: 'missing' };
  try {
    const output = await versionReport(path, binary);
    const ok =
      binary.check.kind === 'output'
        ? binary.check.expect.test(output)
        : output.includes(`mod\t${binary.check.module}\t${binary.check.moduleVersion}`);
    return ok ? { ...base, state: 'ready' } : { ...base, state: 'wrong-version', detail: firstLine(output) };
  } catch (error) {
    return { ...base, state: 'wrong-version', detail: firstLine(String(error)) };
  }
}

async function versionReport(path: string, binary: BinarySpec): Promise<string> {
  if (binary.check.kind === 'go-module') {
    const { stdout } = await run('go', ['version', '-m', path], { timeout: 30_000 });
    return stdout;
  }
  const { stdout, stderr } = await run(path, [...binary.check.args], { timeout: 30_000 });
  return `${stdout}\n${stderr}`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

export async function checkPin(pin: ToolPin): Promise<BinaryStatus[]> {
  return Promise.all(pin.binaries.map((binary) => checkBinary(pin, binary)));
}

export async function checkAll(): Promise<BinaryStatus[]> {
  return (await Promise.all(TOOL_PINS.map(checkPin))).flat();
}
