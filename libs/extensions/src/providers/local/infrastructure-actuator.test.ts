import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import { localNetworkNames } from '@gardener-ts/infra/stacks';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtensionError, GardenerErrorCode } from '../../errors.js';
import type { InfrastructureContext } from '../../infrastructure/actuator.js';
import { technicalIdOf } from '../../infrastructure/technical-id.js';
import { infrastructureConformance } from '../../testing/infrastructure-conformance.js';
import { LocalInfrastructureActuator } from './infrastructure-actuator.js';

const run = promisify(execFile);
const succeeds = (command: string, ...args: string[]) =>
  run(command, args).then(
    () => true,
    () => false,
  );

function contextFor(name: string, nodes: string): InfrastructureContext {
  const shoot = exampleShoot(name, 'garden-ext');
  const withNodes = { ...shoot, spec: { ...shoot.spec, networking: { ...shoot.spec.networking, nodes } } };
  return {
    shoot: withNodes,
    cloudProfile: exampleCloudProfile(),
    credentials: {},
    technicalId: technicalIdOf(withNodes),
  };
}

describe('local Infrastructure actuator', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let root: string;
  let runner: TofuRunner;
  let actuator: LocalInfrastructureActuator;

  beforeAll(async () => {
    database = await createTestDatabase('gardener_ts_ext');
    root = await mkdtemp(join(tmpdir(), 'gardener-ts-ext-'));
    const stateKey = await loadOrCreateStateKey(join(root, 'state.key'));
    runner = new TofuRunner({ databaseUrl: database.url, workRoot: join(root, 'work'), stateKey });
    actuator = new LocalInfrastructureActuator(runner);
  });
  afterAll(async () => {
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('names the technical ID after project and shoot', () => {
    expect(contextFor(`a${process.pid}`, '10.253.1.0/24').technicalId).toBe(`shoot--ext--a${process.pid}`);
  });

  it('reconcile reports the node network and the SSH key; delete removes it', async () => {
    const context = contextFor(`a${process.pid}`, '10.253.1.0/24');
    const status = await actuator.reconcile(context);
    expect(status.providerStatus.gatewayAddress).toBe('10.253.1.1');
    expect(status.sshPublicKey).toMatch(/^ssh-ed25519 /);
    expect(status.secrets.sshPrivateKey).toContain('OPENSSH PRIVATE KEY');
    expect(JSON.stringify(status.providerStatus)).not.toContain('PRIVATE');
    const bridge = status.providerStatus.bridgeName ?? '';
    await run('ip', ['link', 'show', bridge]);
    await actuator.delete(context);
    await expect(run('ip', ['link', 'show', bridge])).rejects.toThrow();
  });

  let next = 0;
  infrastructureConformance(() => ({
    actuator,
    newContext: () => {
      next += 1;
      return contextFor(`c${next}-${process.pid}`, `10.253.${100 + next}.0/24`);
    },
    // what a killed apply leaves: the bridge made by its create command, no state recorded
    interruptCreate: async (context) => {
      await run('ip', ['link', 'add', localNetworkNames(context.technicalId).bridge, 'type', 'bridge']);
    },
    leftovers: async (context) => {
      const { bridge, table } = localNetworkNames(context.technicalId);
      const found: string[] = [];
      if (await succeeds('ip', 'link', 'show', bridge)) found.push(`bridge ${bridge}`);
      if (await succeeds('nft', 'list', 'table', 'bridge', table)) found.push(`nft bridge ${table}`);
      if (await succeeds('nft', 'list', 'table', 'inet', table)) found.push(`nft inet ${table}`);
      if (existsSync(runner.workspaceDir(context.technicalId))) found.push('tofu working directory');
      return found;
    },
  }));

  it('a node network with no room for hosts is a configuration problem, final, creates nothing, and deletes', async () => {
    const context = contextFor(`b${process.pid}`, '10.253.2.0/31');
    const failure = await actuator.reconcile(context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ExtensionError);
    expect(failure).toMatchObject({ codes: [GardenerErrorCode.ConfigurationProblem], retryable: false });
    expect(() => actuator.controlPlaneAddress(context)).toThrow(ExtensionError);
    expect(existsSync(runner.workspaceDir(context.technicalId))).toBe(false);
    await actuator.delete(context); // the shoot can still go
  });
});
