import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TofuRunner } from '@gardener-ts/infra/tofu';
import { afterAll, describe, expect, it } from 'vitest';
import type { BastionActuator, BastionContext } from '../../bastion/actuator.js';
import type { MachineDriver, MachineRef } from '../../machine/driver.js';
import { localSeedResources } from './infrastructure-orphans.js';

const root = mkdtempSync(join(tmpdir(), 'gardener-ts-local-orphans-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the local cloud lists its seed resources by technical ID', () => {
  const deleted: string[] = [];
  const machines = {
    list: async (technicalId: string) =>
      technicalId === 'shoot--p--with-workers' ? [{ name: 'worker-a' }, { name: 'worker-b' }] : [],
    delete: async (ref: MachineRef) => void deleted.push(`machine ${ref.technicalId}/${ref.name}`),
  } as unknown as MachineDriver;
  const bastions = {
    delete: async (context: BastionContext) =>
      void deleted.push(`bastion ${context.technicalId}/${context.id}`),
  } as unknown as BastionActuator;
  const runner = {
    listWorkspaces: async () => ['default-ish', 'shoot--p--with-workers', 'shoot--p--workerless'],
  } as unknown as TofuRunner;
  const collectors = localSeedResources({ runner, machines, bastions, root });

  it('finds machines, bastions, machine state and workspaces, and only names of the shoot--… form', async () => {
    for (const dir of [
      'shoots/shoot--p--with-workers/machines',
      'shoots/shoot--p--workerless/addresses',
      'shoots/not-a-shoot',
      'bastions/runc',
      'bastions/shoot--p--workerless--cli-1',
      'bastions/stray',
    ]) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    writeFileSync(join(root, 'bastions', 'shoot--p--file--x'), '');
    const listed = (await Promise.all(collectors.map((c) => c.list()))).flat();
    expect(listed.map((r) => `${r.kind} ${r.technicalId} ${r.name.replace(root, '<root>')}`).sort()).toEqual([
      'bastion shoot--p--workerless shoot--p--workerless--cli-1',
      'infrastructure shoot--p--with-workers shoot--p--with-workers',
      'infrastructure shoot--p--workerless shoot--p--workerless',
      'machine shoot--p--with-workers worker-a',
      'machine shoot--p--with-workers worker-b',
      'machine-state shoot--p--with-workers <root>/shoots/shoot--p--with-workers',
      'machine-state shoot--p--workerless <root>/shoots/shoot--p--workerless',
    ]);
    expect(collectors.map((c) => `${c.kind}:${c.phase}`)).toEqual([
      'bastion:workers',
      'machine:workers',
      'machine-state:workers',
      'infrastructure:infrastructure',
    ]);
  });

  it('removes machines and bastions through the driver and actuator, and machine state from disk', async () => {
    const [bastion, machine, state] = collectors;
    await bastion?.remove({
      kind: 'bastion',
      technicalId: 'shoot--p--workerless',
      name: 'shoot--p--workerless--cli-1',
    });
    await machine?.remove({ kind: 'machine', technicalId: 'shoot--p--with-workers', name: 'worker-a' });
    await state?.remove({ kind: 'machine-state', technicalId: 'shoot--p--workerless', name: '' });
    expect(deleted).toEqual([
      'bastion shoot--p--workerless/shoot--p--workerless--cli-1',
      'machine shoot--p--with-workers/worker-a',
    ]);
    const left = (await state?.list())?.map((r) => r.technicalId);
    expect(left).toEqual(['shoot--p--with-workers']);
  });
});
