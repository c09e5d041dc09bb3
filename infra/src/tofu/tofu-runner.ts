import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, TerraformStack } from 'cdktf';
import { usePinnedProviderVersions } from '../cdktf/pinned-providers.js';
import { binary, tofuEnvironment } from '../toolchain/index.js';
import { classifyTofuOutput } from './classify.js';
import { TofuError, TofuErrorCode } from './errors.js';
import { redact } from './redact.js';
import type { StackDefinition } from './stack-definition.js';
import { stateEncryptionEnvironment } from './state-encryption.js';
import { ensureStateTables, stateNames } from './state-tables.js';
import { runTofu, type TofuRun } from './tofu-process.js';

export interface TofuRunnerOptions {
  /** PostgreSQL holding the state; handed to tofu through PG_CONN_STR, never written to a file */
  readonly databaseUrl: string;
  /** one schema for all shoots, one workspace per shoot */
  readonly schema?: string;
  /** working directories, one per workspace and stack */
  readonly workRoot: string;
  /** state encryption passphrase (see loadOrCreateStateKey) */
  readonly stateKey: string;
  readonly lockTimeout?: string;
}

export interface ReconcileResult<Outputs> {
  /** false when the plan found nothing to do */
  readonly changed: boolean;
  /** resources replaced because their drift probe failed */
  readonly replaced: readonly string[];
  readonly outputs: Outputs;
}

const WORKSPACE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PLAN_FILE = 'tofu.plan';

function checkWorkspaceName(workspace: string): void {
  if (!WORKSPACE_NAME.test(workspace)) {
    throw new TofuError(TofuErrorCode.InvalidWorkspace, `invalid workspace name "${workspace}"`);
  }
}

/** Synthesizes CDKTF stacks and converges them with OpenTofu, state in PostgreSQL. */
export class TofuRunner {
  private readonly schema: string;
  private readonly encryption: Record<string, string>;
  private tablesReady?: Promise<void>;

  constructor(private readonly options: TofuRunnerOptions) {
    this.schema = options.schema ?? 'gardener_tofu';
    this.encryption = stateEncryptionEnvironment(options.stateKey);
  }

  /** `replace` names resources to recreate even if unchanged (e.g. a key pair being rotated). */
  async reconcile<Outputs>(
    definition: StackDefinition<Outputs>,
    workspace: string,
    options: { replace?: readonly string[] } = {},
  ): Promise<ReconcileResult<Outputs>> {
    const { dir, created } = await this.prepare(definition, workspace, true);
    if (created) {
      // a new workspace has no state: no drift to probe, nothing to replace, so plan and apply are one step
      await this.step(dir, workspace, 'apply', [
        'apply',
        '-auto-approve',
        '-input=false',
        ...this.lockArgs(),
      ]);
      return { changed: true, replaced: [], outputs: await this.outputs(definition, dir, workspace) };
    }
    const requested = options.replace ?? [];
    let planned = await this.plan(dir, workspace, requested);
    const drifted = planned ? await this.driftedResources(definition, dir, workspace) : [];
    const replaced = [...requested, ...drifted.filter((address) => !requested.includes(address))];
    if (drifted.length > 0) planned = await this.plan(dir, workspace, replaced);
    if (planned) await this.step(dir, workspace, 'apply', ['apply', ...this.lockArgs(), PLAN_FILE]);
    await rm(join(dir, PLAN_FILE), { force: true });
    return { changed: planned, replaced, outputs: await this.outputs(definition, dir, workspace) };
  }

  /** Destroys everything, then the workspace's state and working directory. */
  async destroy(definition: StackDefinition<unknown>, workspace: string): Promise<void> {
    const { dir } = await this.prepare(definition, workspace, false);
    await this.destroyIn(dir, workspace);
    await rm(this.workspaceDir(workspace), { recursive: true, force: true });
  }

  /**
   * Every workspace this runner holds: the state rows in its schema and the working directories
   * under its root (an apply killed before tofu recorded anything leaves only the directory).
   */
  async listWorkspaces(): Promise<string[]> {
    const names = new Set(await stateNames(this.options.databaseUrl, this.schema));
    const entries = await readdir(this.options.workRoot, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) names.add(entry.name);
    names.delete('default');
    return [...names].filter((name) => WORKSPACE_NAME.test(name)).sort();
  }

  /**
   * Destroys a workspace whose stack is no longer known (its shoot is gone): with the
   * configuration last synthesized for it when its working directory still has one, so that
   * destroy-time commands run; else the state is deleted as it is (`workspace delete -force`) and
   * the provider removes what the state tracked by name. The working directory goes last.
   */
  async destroyOrphan(workspace: string): Promise<void> {
    checkWorkspaceName(workspace);
    await this.ensureTables();
    await mkdir(join(this.workspaceDir(workspace), 'logs'), { recursive: true, mode: 0o700 });
    const synthesized = await this.synthesizedDir(workspace);
    if (synthesized) {
      await this.initIfNeeded(synthesized, workspace);
      await this.destroyIn(synthesized, workspace);
    } else if ((await stateNames(this.options.databaseUrl, this.schema)).includes(workspace)) {
      const bare = join(this.workspaceDir(workspace), 'backend-only');
      await mkdir(bare, { recursive: true, mode: 0o700 });
      const config = { terraform: { backend: { pg: { schema_name: this.schema } } } };
      await writeFile(join(bare, 'cdk.tf.json'), JSON.stringify(config, null, 2));
      await this.initIfNeeded(bare, workspace);
      await this.step(bare, workspace, 'workspace delete', [
        'workspace',
        'delete',
        '-force',
        ...this.lockArgs(),
        workspace,
      ]);
    }
    await rm(this.workspaceDir(workspace), { recursive: true, force: true });
  }

  workspaceDir(workspace: string): string {
    return join(this.options.workRoot, workspace);
  }

  private async ensureTables(): Promise<void> {
    this.tablesReady ??= ensureStateTables(this.options.databaseUrl, this.schema);
    await this.tablesReady;
  }

  private async destroyIn(dir: string, workspace: string): Promise<void> {
    if ((await this.selectWorkspace(dir, workspace, false)) === 'missing') return;
    await this.step(dir, workspace, 'destroy', ['destroy', '-auto-approve', ...this.lockArgs()]);
    await this.step(dir, workspace, 'workspace select', ['workspace', 'select', 'default']);
    await this.step(dir, workspace, 'workspace delete', [
      'workspace',
      'delete',
      ...this.lockArgs(),
      workspace,
    ]);
  }

  /** the stack directory a reconcile synthesized for the workspace, if its working directory has one */
  private async synthesizedDir(workspace: string): Promise<string | undefined> {
    const stacks = join(this.workspaceDir(workspace), 'cdktf.out', 'stacks');
    const names = await readdir(stacks).catch(() => [] as string[]);
    const found = names.sort().find((name) => existsSync(join(stacks, name, 'cdk.tf.json')));
    return found ? join(stacks, found) : undefined;
  }

  private async prepare(definition: StackDefinition<unknown>, workspace: string, create: boolean) {
    checkWorkspaceName(workspace);
    await this.ensureTables();
    await mkdir(join(this.workspaceDir(workspace), 'logs'), { recursive: true, mode: 0o700 });
    const dir = await this.synthesize(definition, workspace);
    await this.initIfNeeded(dir, workspace);
    const selected = create ? await this.selectWorkspace(dir, workspace, true) : 'selected';
    return { dir, created: selected === 'created' };
  }

  private async synthesize(definition: StackDefinition<unknown>, workspace: string): Promise<string> {
    const outdir = join(this.workspaceDir(workspace), 'cdktf.out');
    const app = new App({ outdir });
    const stack = new TerraformStack(app, definition.name);
    definition.define(stack);
    usePinnedProviderVersions(stack);
    app.synth();
    const dir = join(outdir, 'stacks', definition.name);
    await this.usePgBackend(join(dir, 'cdk.tf.json'));
    return dir;
  }

  /**
   * cdktf always adds a backend; ours is pg with the connection string from PG_CONN_STR, so the
   * synthesized file holds no credentials.
   */
  private async usePgBackend(file: string): Promise<void> {
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.terraform.backend = { pg: { schema_name: this.schema } };
    await writeFile(file, JSON.stringify(config, null, 2));
  }

  /**
   * init is slow and needs doing only when providers or backend change. Providers come straight
   * from the mirror into each working directory: a shared TF_PLUGIN_CACHE_DIR is not safe for
   * inits running at the same time (two shoots at once failed on it).
   */
  private async initIfNeeded(dir: string, workspace: string): Promise<void> {
    const config = JSON.parse(await readFile(join(dir, 'cdk.tf.json'), 'utf8'));
    const hash = createHash('sha256')
      .update(JSON.stringify([config.terraform?.required_providers, config.terraform?.backend]))
      .digest('hex');
    const stamp = join(dir, '.terraform', 'gardener-ts-init');
    if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === hash) return;
    await this.step(dir, workspace, 'init', ['init', '-input=false', ...this.lockArgs()]);
    await writeFile(stamp, hash);
  }

  /** Selects the workspace, creating it when asked (and saying so). */
  private async selectWorkspace(
    dir: string,
    workspace: string,
    create: boolean,
  ): Promise<'selected' | 'created' | 'missing'> {
    // tofu records the selected workspace here; a warm reconcile skips a tofu call with it
    const selected = await readFile(join(dir, '.terraform', 'environment'), 'utf8').catch(() => '');
    if (create && selected.trim() === workspace) return 'selected';
    const args = ['workspace', 'select', ...(create ? ['-or-create=true'] : []), workspace];
    for (let attempt = 0; ; attempt++) {
      const run = await this.tofu(dir, workspace, args);
      const output = run.stdout + run.stderr;
      if (run.code === 0) return /Created and switched/.test(output) ? 'created' : 'selected';
      if (!create && /doesn't exist|does not exist/.test(output)) return 'missing';
      // The pg backend has one creation lock per schema: another shoot may be creating its workspace.
      if (/locked for workspace creation/.test(output) && attempt < 60) {
        await sleep(250 + Math.random() * 500);
        continue;
      }
      throw this.failure('workspace select', workspace, run);
    }
  }

  /** Returns whether the plan has changes. */
  private async plan(dir: string, workspace: string, replace: readonly string[]): Promise<boolean> {
    const run = await this.tofu(dir, workspace, [
      'plan',
      '-input=false',
      '-detailed-exitcode',
      ...this.lockArgs(),
      `-out=${PLAN_FILE}`,
      ...replace.map((address) => `-replace=${address}`),
    ]);
    if (run.code === 0 || run.code === 2) return run.code === 2;
    throw this.failure('plan', workspace, run);
  }

  private async driftedResources(
    definition: StackDefinition<unknown>,
    dir: string,
    workspace: string,
  ): Promise<string[]> {
    const probes = Object.entries(definition.driftProbes ?? {});
    if (probes.length === 0) return [];
    const plan = JSON.parse((await this.step(dir, workspace, 'show', ['show', '-json', PLAN_FILE])).stdout);
    const creating = new Set<string>(
      (plan.resource_changes ?? [])
        .filter((c: { change: { actions: string[] } }) => c.change.actions.includes('create'))
        .map((c: { address: string }) => c.address),
    );
    return probes
      .filter(
        ([output, address]) =>
          plan.planned_values?.outputs?.[output]?.value === false && !creating.has(address),
      )
      .map(([, address]) => address);
  }

  private async outputs<Outputs>(definition: StackDefinition<Outputs>, dir: string, workspace: string) {
    const run = await this.step(dir, workspace, 'output', ['output', '-json']);
    const raw = JSON.parse(run.stdout) as Record<string, { value: unknown }>;
    const values = Object.fromEntries(Object.entries(raw).map(([name, output]) => [name, output.value]));
    try {
      return definition.parseOutputs(values);
    } catch (error) {
      throw new TofuError(
        TofuErrorCode.InvalidOutputs,
        `stack ${definition.name} for ${workspace} returned unexpected outputs: ${(error as Error).message}`,
      );
    }
  }

  private async step(dir: string, workspace: string, name: string, args: string[]): Promise<TofuRun> {
    const run = await this.tofu(dir, workspace, args);
    if (run.code !== 0) throw this.failure(name, workspace, run);
    return run;
  }

  private tofu(dir: string, workspace: string, args: string[]): Promise<TofuRun> {
    return runTofu(binary('tofu'), args, {
      cwd: dir,
      env: this.environment(),
      logFile: join(this.workspaceDir(workspace), 'logs', 'tofu.log'),
      redact: (text) => this.redact(text),
    });
  }

  private environment(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...tofuEnvironment(),
      TF_INPUT: '0',
      PG_CONN_STR: this.options.databaseUrl,
      ...this.encryption,
    };
  }

  private lockArgs(): string[] {
    return [`-lock-timeout=${this.options.lockTimeout ?? '120s'}`];
  }

  private redact(text: string): string {
    return redact(text, [this.options.stateKey, this.options.databaseUrl, ...Object.values(this.encryption)]);
  }

  private failure(step: string, workspace: string, run: TofuRun): TofuError {
    const output = this.redact(`${run.stderr}\n${run.stdout}`).trim();
    const tail = output.split('\n').slice(-15).join('\n');
    return new TofuError(
      TofuErrorCode.CommandFailed,
      `tofu ${step} for ${workspace} failed (exit ${run.code}); log: ${join(this.workspaceDir(workspace), 'logs', 'tofu.log')}\n${tail}`,
      classifyTofuOutput(output),
    );
  }
}
