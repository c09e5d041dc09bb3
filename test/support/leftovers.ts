import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import { expect } from 'vitest';
import type { Garden } from './garden.js';

const run = promisify(execFile);

/** No bridge, seed directory, tofu working directory or process of the shoot is left. */
export async function expectNothingLeft(garden: Garden, technicalId: string): Promise<void> {
  const { bridge } = localNetworkNames(technicalId);
  await expect(run('ip', ['link', 'show', bridge])).rejects.toThrow();
  expect(existsSync(join(garden.root, 'seed', technicalId))).toBe(false);
  expect(existsSync(join(garden.root, 'tofu', technicalId))).toBe(false);
  const { stdout } = await run('ps', ['-eo', 'args']);
  expect(stdout).not.toContain(technicalId);
}
