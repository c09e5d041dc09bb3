import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exampleCloudProfile, exampleProject, exampleSeed, exampleShoot } from '@gardener-ts/api';
import { binary } from '@gardener-ts/infra/toolchain';
import { createTestDatabase } from '@gardener-ts/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningServer, startServer } from './testing/server.js';

const run = promisify(execFile);
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let server: RunningServer;
const watchers: ChildProcess[] = [];

/** The pinned kubectl with default flags (validation on), against the garden's kubeconfig over TLS. */
async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      binary('kubectl'),
      ['--kubeconfig', join(dir, 'garden.kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
      {
        timeout: 30_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function manifest(name: string, objects: unknown[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
  return file;
}

function shootManifest(name: string) {
  const shoot = exampleShoot(name);
  shoot.spec.kubernetes.version = '1.34.1';
  delete shoot.spec.networking.nodes; // each gets a free one of the seed's range
  return shoot;
}

beforeAll(async () => {
  db = await createTestDatabase('gts_kubectl');
  dir = mkdtempSync(join(tmpdir(), 'gts-kubectl-'));
  server = await startServer({ PORT: '0', DATABASE_URL: db.url, GARDENER_DATA_DIR: dir, GARDENER_TLS: 'on' });
});

afterAll(async () => {
  for (const w of watchers) w.kill();
  await server?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the pinned kubectl against the garden', () => {
  it('finds the server, its kinds with short names, and explains them from OpenAPI v3', async () => {
    const version = await kubectl('version', '-o', 'json');
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.34/);
    const resources = await kubectl('api-resources', '--api-group', 'core.gardener.cloud', '--no-headers');
    expect(resources.stdout).toMatch(
      /^cloudprofiles\s+cprofile,cpfl\s+core\.gardener\.cloud\/v1beta1\s+false\s+CloudProfile$/m,
    );
    expect(resources.stdout).toMatch(/^shoots\s+core\.gardener\.cloud\/v1beta1\s+true\s+Shoot$/m);
    const explain = await kubectl('explain', 'shoot.spec');
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/GROUP:\s+core\.gardener\.cloud/);
    expect(explain.stdout).toMatch(/KIND:\s+Shoot/);
    expect(explain.stdout).toMatch(/FIELD: spec/);
    expect(explain.stdout).toMatch(/^\s+kubernetes\s+<Object> -required-/m);
    const field = await kubectl('explain', 'shoot.spec.purpose');
    expect(field.stdout).toMatch(/ENUM:[\s\S]*production/);
  });

  it('reports the server version with the fields of kube-apiserver', async () => {
    const { serverVersion } = JSON.parse((await kubectl('version', '-o', 'json')).stdout);
    expect(serverVersion).toMatchObject({
      major: '1',
      minor: '34',
      emulationMajor: '1',
      emulationMinor: '34',
      gitVersion: 'v1.34.0-gardener-ts',
      gitCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
      gitTreeState: expect.stringMatching(/^(clean|dirty)$/),
      buildDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      compiler: 'node',
      platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    });
  });

  it('creates, applies twice (unchanged) and validates on the server without --validate=false', async () => {
    const setup = await kubectl(
      'create',
      '-f',
      manifest('setup', [exampleCloudProfile(), exampleSeed(), exampleProject()]),
    );
    expect(setup.stderr).toBe('');
    expect(setup.stdout).toContain('project.core.gardener.cloud/dev created');
    expect((await kubectl('create', '-f', manifest('web', [shootManifest('web')]))).stdout).toBe(
      'shoot.core.gardener.cloud/web created\n',
    );
    const apply = manifest('api', [shootManifest('api')]);
    expect((await kubectl('apply', '-f', apply)).stdout).toBe('shoot.core.gardener.cloud/api created\n');
    const again = await kubectl('apply', '-f', apply);
    expect(again.stdout).toBe('shoot.core.gardener.cloud/api unchanged\n');
    expect(again.stderr).toBe('');
    const bad = shootManifest('bad') as unknown as { spec: Record<string, unknown> };
    bad.spec.colour = 'blue';
    const refused = await kubectl('create', '-f', manifest('bad', [bad]));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/spec\.colour/);
  });

  it('gets shoots as a table with Gardener-like columns (-o wide, -A), and as yaml or json', async () => {
    const table = await kubectl('get', 'shoots', '-n', 'garden-dev');
    // Gardener's columns and placeholders (its shoot table convertor)
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+CLOUDPROFILE\s+PROVIDER\s+REGION\s+K8S VERSION\s+HIBERNATION\s+LAST OPERATION\s+STATUS\s+AGE$/,
    );
    expect(table.stdout).toMatch(
      /^web\s+local\s+local\s+local\s+1\.34\.1\s+Awake\s+<pending>\s+<pending>\s+\d+s$/m,
    );
    const wide = await kubectl('get', 'shoots', '-n', 'garden-dev', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(
      /^NAME\s+CLOUDPROFILE\s+PROVIDER\s+REGION\s+SEED\s+K8S VERSION\s+HIBERNATION\s+LAST OPERATION\s+STATUS\s+PURPOSE\s+GARDENER VERSION\s+APISERVER\s+CONTROL\s+OBSERVABILITY\s+NODES\s+SYSTEM\s+AGE$/,
    );
    expect(wide.stdout).toMatch(
      /^web\s+local\s+local\s+local\s+local\s+1\.34\.1\s+Awake\s+<pending>\s+<pending>\s+evaluation\s+<unknown>(\s+<unknown>){5}\s+\d+s$/m,
    );
    // Gardener's field selectors, cloudProfileName and cloudProfile defaulted from each other
    const shootsWhere = (selector: string) =>
      kubectl('get', 'shoots', '-A', '-o', 'name', '--field-selector', selector);
    const byProfile = await shootsWhere('spec.cloudProfile.name=local,spec.cloudProfile.kind=CloudProfile');
    expect(byProfile.stdout).toBe('shoot.core.gardener.cloud/api\nshoot.core.gardener.cloud/web\n');
    const byName = await shootsWhere('spec.cloudProfileName=other');
    expect(byName).toMatchObject({ code: 0, stdout: '' });
    const all = await kubectl('get', 'shoots', '-A');
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+CLOUDPROFILE/);
    expect(all.stdout).toMatch(/^garden-dev\s+api\s/m);
    const yaml = await kubectl('get', 'shoot', 'web', '-n', 'garden-dev', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^kind: Shoot$/m);
    const json = JSON.parse((await kubectl('get', 'shoots', '-n', 'garden-dev', '-o', 'json')).stdout);
    expect(json.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toEqual(['api', 'web']);
    expect((await kubectl('get', 'cprofile')).stdout).toMatch(/^local\s+local\s+\d+s$/m);
    expect((await kubectl('get', 'ns')).stdout).toMatch(/^garden-dev\s+Active\s+\d+s$/m);
  });

  it('patches, annotates and labels, and a watch shows the changes', async () => {
    const watch = spawn(binary('kubectl'), [
      '--kubeconfig',
      join(dir, 'garden.kubeconfig'),
      '--cache-dir',
      join(dir, 'cache'),
      'get',
      'shoots',
      '-n',
      'garden-dev',
      '-w',
    ]);
    watchers.push(watch);
    let watched = '';
    watch.stdout.on('data', (chunk: Buffer) => (watched += chunk.toString()));
    const n = ['-n', 'garden-dev'];
    expect(
      (
        await kubectl(
          'patch',
          'shoot',
          'web',
          ...n,
          '--type',
          'merge',
          '-p',
          '{"spec":{"hibernation":{"enabled":true}}}',
        )
      ).stdout,
    ).toBe('shoot.core.gardener.cloud/web patched\n');
    expect(
      (await kubectl('annotate', 'shoot', 'web', ...n, 'gardener.cloud/operation=reconcile')).stdout,
    ).toBe('shoot.core.gardener.cloud/web annotated\n');
    expect((await kubectl('label', 'shoot', 'web', ...n, 'team=a')).stdout).toBe(
      'shoot.core.gardener.cloud/web labeled\n',
    );
    expect((await kubectl('get', 'shoots', ...n, '-l', 'team=a', '-o', 'name')).stdout).toBe(
      'shoot.core.gardener.cloud/web\n',
    );
    const deadline = Date.now() + 5_000;
    while (!/^web\s+.*Hibernating/m.test(watched) && Date.now() < deadline) await sleep(50);
    expect(watched.split('\n')[0]).toMatch(/^NAME\s+CLOUDPROFILE/);
    expect(watched).toMatch(/^web\s+local\s+local\s+local\s+1\.34\.1\s+Hibernating/m);
    watch.kill();
  });

  it('deletes (after the confirmation annotation) and waits for the shoot to be gone', async () => {
    const n = ['-n', 'garden-dev'];
    const refused = await kubectl('delete', 'shoot', 'api', ...n);
    expect(refused.stderr).toMatch(/confirmation\.gardener\.cloud\/deletion/);
    await kubectl('annotate', 'shoot', 'api', ...n, 'confirmation.gardener.cloud/deletion=true');
    const deleted = await kubectl('delete', 'shoot', 'api', ...n);
    expect(deleted.stdout).toBe('shoot.core.gardener.cloud "api" deleted from garden-dev namespace\n');
    expect((await kubectl('get', 'shoot', 'api', ...n)).stderr).toMatch(/NotFound|not found/);
  });

  it('validates fields as asked: strict by default, --validate=warn drops with a warning, false silently', async () => {
    const configMap = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'garden-dev' },
      data: { a: '1' },
      colour: 'blue',
    });
    const strict = await kubectl('create', '-f', manifest('cm-strict', [configMap('cm-strict')]));
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toMatch(/strict decoding error: unknown field "colour"/);
    const warned = await kubectl(
      'create',
      '--validate=warn',
      '-f',
      manifest('cm-warn', [configMap('cm-warn')]),
    );
    expect(warned).toMatchObject({ code: 0, stdout: 'configmap/cm-warn created\n' });
    expect(warned.stderr).toMatch(/^Warning: unknown field "colour"$/m);
    const ignored = await kubectl(
      'create',
      '--validate=false',
      '-f',
      manifest('cm-quiet', [configMap('cm-quiet')]),
    );
    expect(ignored).toMatchObject({ code: 0, stdout: 'configmap/cm-quiet created\n', stderr: '' });
    for (const name of ['cm-warn', 'cm-quiet']) {
      const stored = JSON.parse(
        (await kubectl('get', 'configmap', name, '-n', 'garden-dev', '-o', 'json')).stdout,
      );
      expect(stored.colour).toBeUndefined();
      expect(stored.data).toEqual({ a: '1' });
    }
    expect((await kubectl('get', 'configmap', 'cm-strict', '-n', 'garden-dev')).code).not.toBe(0);
  });

  it("accepts Gardener's shoot fields it does not act on, stores them and says so", async () => {
    const shoot = shootManifest('gardener-fields') as unknown as { spec: Record<string, unknown> };
    shoot.spec.dns = { domain: 'example.org' };
    shoot.spec.extensions = [{ type: 'shoot-cert-service' }];
    const created = await kubectl('create', '-f', manifest('gardener-fields', [shoot]));
    expect(created).toMatchObject({ code: 0, stdout: 'shoot.core.gardener.cloud/gardener-fields created\n' });
    expect(created.stderr).toMatch(/^Warning: spec\.dns is stored but not acted on by this garden$/m);
    expect(created.stderr).toMatch(/^Warning: spec\.extensions is stored but not acted on by this garden$/m);
    const stored = JSON.parse(
      (await kubectl('get', 'shoot', 'gardener-fields', '-n', 'garden-dev', '-o', 'json')).stdout,
    );
    expect(stored.spec.dns).toEqual({ domain: 'example.org' });
    expect(stored.spec.extensions).toEqual([{ type: 'shoot-cert-service' }]);
  });
});
