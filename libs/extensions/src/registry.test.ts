import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtensionError, GardenerErrorCode } from './errors.js';
import { ExtensionRegistry } from './registry.js';

describe('ExtensionRegistry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gardener-ts-providers-'));
    await writeFile(
      join(dir, 'acme.mjs'),
      "export function createProvider(deps) { return { type: 'acme', validateProviderConfig: () => [deps.greeting] }; }",
    );
    await writeFile(join(dir, 'broken.mjs'), 'export const nothing = 1;');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('loads a provider package named in configuration and hands it its dependencies', async () => {
    const registry = new ExtensionRegistry();
    await registry.load([join(dir, 'acme.mjs')], { greeting: 'hello' });
    expect(registry.types()).toEqual(['acme']);
    expect(registry.provider('acme').validateProviderConfig?.({ workers: [] })).toEqual(['hello']);
  });

  it.each([
    [
      'a package that does not exist',
      'no-such-provider-package',
      /cannot load provider package "no-such-provider-package"/,
    ],
    ['a package without createProvider', 'broken.mjs', /does not export a createProvider function/],
  ])('refuses %s with a configuration problem', async (_, name, message) => {
    const registry = new ExtensionRegistry();
    const path = name.endsWith('.mjs') ? join(dir, name) : name;
    const error = await registry.load([path], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtensionError);
    expect((error as ExtensionError).message).toMatch(message);
    expect((error as ExtensionError).codes).toEqual([GardenerErrorCode.ConfigurationProblem]);
  });

  it('names the registered types when asked for an unknown one, and refuses duplicates', () => {
    const registry = new ExtensionRegistry();
    registry.register({ type: 'local' });
    expect(() => registry.provider('aws')).toThrow(
      'no provider of type "aws" is registered (registered: local)',
    );
    expect(() => registry.infrastructure('local')).toThrow('provider "local" has no Infrastructure actuator');
    expect(() => registry.register({ type: 'local' })).toThrow('already registered');
  });
});
