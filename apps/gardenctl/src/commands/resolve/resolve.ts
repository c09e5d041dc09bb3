import { GardenctlCommand } from '../../cli/command.js';
import { outputOption, targetOption } from '../../cli/options.js';
import { printObject } from '../../cli/print.js';
import { GardenctlError, GardenctlErrorCode } from '../../errors.js';
import { CORE } from '../../garden/client.js';
import {
  noGardenTargeted,
  noProjectTargeted,
  noShootTargeted,
  type TargetManager,
} from '../../target/manager.js';
import type { Target, TargetFlags } from '../../target/target.js';
import { manager } from '../context.js';

export type ResolveKind = 'garden' | 'project' | 'seed' | 'shoot';

/** What `gardenctl resolve` prints: gardenctl-v2's ResolvedTarget (JSON field order garden, project, shoot, seed). */
export interface Resolved {
  garden: { name: string; alias?: string };
  project?: { name: string; namespace?: string };
  shoot?: { name: string; namespace: string };
  seed?: { name: string };
}

/** The target flags a resolve command was given (`--seed` is allowed: it only reads the Seed object). */
export interface ResolveFlags {
  garden?: string | undefined;
  project?: string | undefined;
  seed?: string | undefined;
  shoot?: string | undefined;
  controlPlane?: boolean | undefined;
}

/**
 * `gardenctl resolve garden|project|seed|shoot`: what the current target (with this command's
 * flags laid over it) stands for in the garden, printed as YAML or JSON; nothing is written.
 */
export abstract class ResolveCommand extends GardenctlCommand {
  protected abstract readonly kind: ResolveKind;

  output = outputOption('yaml');
  garden = targetOption.garden();

  protected abstract given(): ResolveFlags;

  protected override async run(): Promise<void> {
    const flags = this.given();
    const m = await manager(this);
    const target = await m.current(blankless(flags));
    if (!target.garden) throw noGardenTargeted(m.config);
    const resolved = await resolveTarget(
      m,
      { ...target, garden: target.garden },
      this.kind,
      flags.controlPlane,
    );
    // gardenctl-v2 writes YAML through sigs.k8s.io/yaml, which sorts keys; JSON keeps the field order
    await printObject(this.io, resolved, this.output ?? 'yaml', { sortKeys: true });
  }
}

function blankless(flags: ResolveFlags): TargetFlags {
  const out: TargetFlags = {};
  for (const key of ['garden', 'project', 'seed', 'shoot'] as const) {
    const value = flags[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

async function resolveTarget(
  m: TargetManager,
  t: Target & { garden: string },
  kind: ResolveKind,
  controlPlane = false,
): Promise<Resolved> {
  const garden = m.config.garden(t.garden);
  const out: Resolved = { garden: { name: garden.identity, ...(garden.name ? { alias: garden.name } : {}) } };
  if (kind === 'garden') return out;
  if (t.project && kind === 'project') {
    const namespace = await m.projectNamespace(garden.identity, t.project);
    return { ...out, project: { name: t.project, namespace } };
  }
  if (t.seed && kind === 'seed')
    return { ...out, seed: { name: await existingSeed(m, garden.identity, t.seed) } };
  if (!t.shoot) {
    if (t.seed) throw notManagedSeed(t.seed);
    if (kind === 'project') throw noProjectTargeted();
    throw kind === 'seed' ? noSeedTargeted() : noShootTargeted();
  }
  return resolveShoot(m, { ...t, shoot: t.shoot }, kind, controlPlane, out);
}

async function resolveShoot(
  m: TargetManager,
  t: Target & { garden: string; shoot: string },
  kind: ResolveKind,
  controlPlane: boolean,
  out: Resolved,
): Promise<Resolved> {
  const resolved = await m.resolve({
    garden: t.garden,
    shoot: t.shoot,
    ...(t.project ? { project: t.project } : {}),
  });
  const seed = resolved.shoot?.spec?.seedName as string | undefined;
  const namespace = resolved.namespace ?? '';
  if (t.seed && seed !== t.seed) {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `shoot "${t.shoot}" is not on seed "${t.seed}"${seed ? ` (its seed is "${seed}")` : ''}`,
      `drop --seed, or name its seed: --seed ${seed ?? 'NAME'}`,
    );
  }
  if (!seed) {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `no seed assigned to shoot ${namespace}/${t.shoot}`,
      'the scheduler has not placed it yet; try again in a moment',
    );
  }
  if (controlPlane) throw notManagedSeed(seed);
  if (kind === 'seed') return { ...out, seed: { name: seed } };
  const project = { name: resolved.target.project ?? '', namespace };
  if (kind === 'project') return { ...out, project };
  return { ...out, project, shoot: { name: t.shoot, namespace }, seed: { name: seed } };
}

async function existingSeed(m: TargetManager, garden: string, name: string): Promise<string> {
  const client = await m.client(garden);
  const seed = await client.get(`${CORE}/seeds/${encodeURIComponent(name)}`);
  if (seed) return seed.metadata.name;
  const names = (await client.list(`${CORE}/seeds`)).map((s) => s.metadata.name);
  throw new GardenctlError(
    GardenctlErrorCode.NotFound,
    `seed "${name}" not found in garden "${garden}"`,
    names.length > 0 ? `seeds there: ${names.join(', ')}` : 'this garden has no seeds yet',
  );
}

function noSeedTargeted(): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.NoShootTargeted,
    'no seed cluster targeted',
    'name one with --seed NAME, or target a shoot (gardenctl target shoot NAME): its seed is resolved',
  );
}

/** gardenctl-v2 resolves a seed (or a control plane) to the shoot behind a managed seed; ours have none. */
function notManagedSeed(seed: string): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.Unsupported,
    `seed "${seed}" is not a managed seed: no shoot stands behind it (gardener-ts seeds run control planes as processes)`,
    'resolve the shoot itself: gardenctl resolve shoot --shoot NAME',
  );
}
