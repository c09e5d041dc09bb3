import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataResource, TerraformOutput, type TerraformStack } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/database.js';
import type { StackDefinition } from './stack-definition.js';
import { loadOrCreateStateKey } from './state-encryption.js';
import { TofuRunner } from './tofu-runner.js';

/** A stack whose resource is a file: created by apply, removed only by a destroy-time command. */
function markerStack(file: string): StackDefinition<Record<string, never>> {
  return {
    name: 'marker',
    define(stack: TerraformStack) {
      const marker = new DataResource(stack, 'marker', {
        input: { file },
        provisioners: [
          { type: 'local-exec', command: `touch '${file}'` },
          { type: 'local-exec', when: 'destroy', command: `rm -f '${file}'` },
        ],
      });
      new TerraformOutput(stack, 'id', { value: marker.id });
    },
    parseOutputs: () => ({}),
  };
}

describe('TofuRunner: workspaces whose stack is no longer known', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let root: string;
  let runner: TofuRunner;

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_tofu_orphans');
    root = await mkdtemp(join(tmpdir(), 'gardener-ts-tofu-orphans-'));
    const stateKey = await loadOrCreateStateKey(join(root, 'tofu-state.key'));
    runner = new TofuRunner({ databaseUrl: database.url, workRoot: join(root, 'work'), stateKey });
  });
  afterAll(async () => {
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('lists workspaces by state and by working directory, and destroys one with its last configuration', async () => {
    const marker = join(root, 'marker-a');
    await runner.reconcile(markerStack(marker), 'shoot--gc--a');
    expect(existsSync(marker)).toBe(true);
    expect(await runner.listWorkspaces()).toEqual(['shoot--gc--a']);

    await runner.destroyOrphan('shoot--gc--a');

    expect(existsSync(marker), 'the destroy-time command ran').toBe(false);
    expect(existsSync(runner.workspaceDir('shoot--gc--a'))).toBe(false);
    expect(await runner.listWorkspaces()).toEqual([]);
  });

  it('deletes the state of a workspace whose working directory is gone', async () => {
    await runner.reconcile(markerStack(join(root, 'marker-b')), 'shoot--gc--b');
    await rm(runner.workspaceDir('shoot--gc--b'), { recursive: true, force: true });
    expect(await runner.listWorkspaces()).toEqual(['shoot--gc--b']);

    await runner.destroyOrphan('shoot--gc--b');

    expect(await runner.listWorkspaces()).toEqual([]);
    expect(existsSync(runner.workspaceDir('shoot--gc--b'))).toBe(false);
  });

  it('lists a working directory left without state, and removes it', async () => {
    await writeFile(join(root, 'work', 'stray-file'), 'not a workspace');
    await mkdir(join(root, 'work', 'Not_A_Workspace'));
    await mkdir(join(runner.workspaceDir('shoot--gc--c'), 'logs'), { recursive: true });
    expect(await runner.listWorkspaces()).toEqual(['shoot--gc--c']);
    await runner.destroyOrphan('shoot--gc--c');
    expect(await runner.listWorkspaces()).toEqual([]);
  });
});
