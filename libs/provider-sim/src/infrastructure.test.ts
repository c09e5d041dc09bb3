import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import {
  ExtensionError,
  GardenerErrorCode,
  type InfrastructureContext,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { infrastructureConformance } from '@gardener-ts/extensions/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { INFRASTRUCTURE_RECORD, SimInfrastructureActuator } from './infrastructure/actuator.js';
import { run } from './testing/tools.js';

const root = mkdtempSync(join(tmpdir(), 'gardener-ts-sim-infra-'));
const actuator = new SimInfrastructureActuator(join(root, 'cloud'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let next = 0;
function newContext(): InfrastructureContext {
  next += 1;
  const shoot = exampleShoot(`s${next}`, 'garden-sim');
  return { shoot, cloudProfile: exampleCloudProfile(), credentials: {}, technicalId: technicalIdOf(shoot) };
}

describe('sim Infrastructure actuator', () => {
  infrastructureConformance(() => ({
    actuator,
    newContext,
    // what a process killed while writing the record leaves: the shoot's directory and a temporary file
    interruptCreate: async (context) => {
      const dir = actuator.shootDir(context.technicalId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${INFRASTRUCTURE_RECORD}.0123.tmp`), '{"sshPub');
    },
    leftovers: async (context) => {
      const dir = actuator.shootDir(context.technicalId);
      return existsSync(dir)
        ? readdirSync(dir)
            .map((file) => join(dir, file))
            .concat(dir)
        : [];
    },
  }));

  it('creates no network but an ED25519 key pair that ssh-keygen accepts, private key 0600 and never in status', async () => {
    const context = newContext();
    try {
      const status = await actuator.reconcile(context);
      expect(status.providerStatus).toEqual({
        networkName: `sim-${context.technicalId}`,
        nodesCidr: '10.10.7.0/24',
      });
      expect(status.sshPublicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ shoot--sim--s\d+\n$/);
      expect(status.secrets.sshPrivateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
      expect(JSON.stringify(status.providerStatus)).not.toContain('PRIVATE');

      const keyFile = join(root, 'id_ed25519');
      writeFileSync(keyFile, status.secrets.sshPrivateKey ?? '', { mode: 0o600 });
      const derived = await run('ssh-keygen', ['-y', '-f', keyFile]);
      expect(derived.stderr).toBe('');
      expect(derived.stdout.split(' ').slice(0, 2)).toEqual(status.sshPublicKey.split(' ').slice(0, 2));
      const fingerprint = await run('ssh-keygen', ['-l', '-f', keyFile]);
      expect(fingerprint.stdout).toMatch(/^256 SHA256:\S+ .*\(ED25519\)/);

      const dir = actuator.shootDir(context.technicalId);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, INFRASTRUCTURE_RECORD)).mode & 0o777).toBe(0o600);
    } finally {
      await actuator.delete(context);
    }
  });

  it('keeps the key across reconciles and processes, and makes a new one on rotate-ssh-keypair', async () => {
    const context = newContext();
    try {
      const [a, b] = await Promise.all([actuator.reconcile(context), actuator.reconcile(context)]);
      expect(b.sshPublicKey).toBe(a.sshPublicKey);
      const otherProcess = new SimInfrastructureActuator(actuator.stateDir);
      expect((await otherProcess.reconcile(context)).sshPublicKey).toBe(a.sshPublicKey);
      const rotated = await actuator.reconcile({ ...context, rotateSshKeypair: true });
      expect(rotated.sshPublicKey).not.toBe(a.sshPublicKey);
      expect((await actuator.reconcile(context)).sshPublicKey).toBe(rotated.sshPublicKey);
      expect(readdirSync(actuator.shootDir(context.technicalId))).toEqual([INFRASTRUCTURE_RECORD]);
    } finally {
      await actuator.delete(context);
    }
  });

  it('refuses a technical ID that is not a DNS label as a configuration problem', async () => {
    const error = await actuator
      .reconcile({ ...newContext(), technicalId: '../escape' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtensionError);
    expect(error).toMatchObject({ codes: [GardenerErrorCode.ConfigurationProblem], retryable: false });
    expect(existsSync(join(root, 'escape'))).toBe(false);
  });
});
