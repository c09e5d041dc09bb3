import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalSeedBackend } from './index.js';
import { scratchRoot } from './testing/tools.js';

const root = scratchRoot('seed-list');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('LocalSeedBackend.list', () => {
  it('is empty for a seed root that does not exist yet', async () => {
    expect(await new LocalSeedBackend({ root: join(root, 'absent') }).list()).toEqual([]);
  });

  it('names the control-plane directories, not the supervisor cache or stray files', async () => {
    for (const dir of ['shoot--b--two', 'shoot--a--one', '.supervisor/0123', 'Not_An_Id']) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    writeFileSync(join(root, 'shoot--c--file'), '');
    expect(await new LocalSeedBackend({ root }).list()).toEqual(['shoot--a--one', 'shoot--b--two']);
  });
});
