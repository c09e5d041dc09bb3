import { createHash } from 'node:crypto';
import { renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../cli/log.js';
import type { AccessLevelChoice } from '../config/access-level.js';
import type { GardenctlConfig } from '../config/config.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { CORE, GardenApiError, type GardenClient, type KubeObject } from '../garden/client.js';
import type { Kubeconfig } from '../garden/kubeconfig.js';
import { closest } from '../suggest.js';
import { seedNotTargetable } from './seeds.js';
import {
  compact,
  isEmptyTarget,
  mergeTarget,
  type Target,
  type TargetFlags,
  validateTarget,
} from './target.js';
import { readTarget, writeTarget } from './target-file.js';

export const NO_GARDEN_HINT =
  'run gardenctl target garden NAME (gardenctl config view lists the configured gardens)';

export function noGardenTargeted(config?: GardenctlConfig): GardenctlError {
  const names = config?.gardenNames() ?? [];
  return new GardenctlError(
    GardenctlErrorCode.NoGardenTargeted,
    'no garden cluster targeted',
    names.length > 0
      ? `run gardenctl target garden NAME (configured: ${names.join(', ')})`
      : 'configure one with gardenctl config set-garden NAME --kubeconfig FILE, then run gardenctl target garden NAME',
  );
}

export function noProjectTargeted(): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.NoProjectTargeted,
    'no project targeted',
    'run gardenctl target project NAME',
  );
}

export function noShootTargeted(): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.NoShootTargeted,
    'no shoot targeted',
    'run gardenctl target shoot NAME',
  );
}

/** A target checked against the garden: names exist, and the project's namespace is known. */
export interface ResolvedTarget {
  target: Target;
  namespace?: string;
  shoot?: KubeObject;
  /** why a targeted shoot has no kubeconfig yet (the target still holds, as in gardenctl-v2) */
  kubeconfigProblem?: string;
  /** the access level of the shoot kubeconfig obtained */
  accessLevel?: AccessLevel;
}

const LINK = 'kubeconfig.yaml';
/** gardenctl-v2 asks for short-lived shoot credentials too; the API caps them at 24 h. */
const SHOOT_KUBECONFIG_SECONDS = 3600;

export type AccessLevel = 'admin' | 'viewer';

/** Reads, changes and resolves the session's target (gardenctl-v2's target manager). */
export class TargetManager {
  private readonly clients = new Map<string, Promise<GardenClient>>();
  /** the command's --access-level/--admin/--viewer, when given */
  requestedAccessLevel: AccessLevelChoice | undefined;

  constructor(
    readonly config: GardenctlConfig,
    readonly sessionDir: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly log?: Logger,
  ) {}

  persisted(): Promise<Target> {
    return readTarget(this.sessionDir);
  }

  /** The persisted target with this command's target flags laid over it (nothing is written). */
  async current(flags: TargetFlags): Promise<Target> {
    const merged = mergeTarget(await this.persisted(), this.canonicalFlags(flags));
    validateTarget(merged);
    return merged;
  }

  /** Overlays `flags` on the persisted target, checks it against the garden, persists it, relinks. */
  async apply(flags: TargetFlags, base?: Target): Promise<ResolvedTarget> {
    if (flags.seed) throw seedNotTargetable('seed');
    const merged = mergeTarget(base ?? (await this.persisted()), this.canonicalFlags(flags));
    validateTarget(merged);
    const resolved = await this.resolve(merged);
    // The kubeconfig is prepared first: a garden or project whose kubeconfig cannot be had is not persisted.
    await this.relink(resolved);
    writeTarget(this.sessionDir, resolved.target);
    return resolved;
  }

  async unset(kind: 'garden' | 'project' | 'shoot'): Promise<{ name: string; target: Target }> {
    const current = await this.persisted();
    const name = current[kind];
    if (!name) {
      if (kind === 'garden') throw noGardenTargeted(this.config);
      throw kind === 'project' ? noProjectTargeted() : noShootTargeted();
    }
    const next: Target =
      kind === 'garden'
        ? {}
        : kind === 'project'
          ? { garden: current.garden }
          : { garden: current.garden, project: current.project };
    writeTarget(this.sessionDir, next);
    return { name, target: next };
  }

  private canonicalFlags(flags: TargetFlags): TargetFlags {
    if (!flags.garden) return flags;
    return { ...flags, garden: this.config.garden(flags.garden).identity };
  }

  /** Checks every level of `t` against its garden and fills in what a shoot implies (project, seed). */
  async resolve(t: Target): Promise<ResolvedTarget> {
    if (!t.garden) {
      if (isEmptyTarget(t)) return { target: {} };
      throw noGardenTargeted(this.config);
    }
    const garden = this.config.garden(t.garden).identity;
    if (t.shoot) return this.resolveShoot({ ...t, garden, shoot: t.shoot });
    if (t.project) {
      const namespace = await this.projectNamespace(garden, t.project);
      return { target: { garden, project: t.project }, namespace };
    }
    return { target: { garden } };
  }

  private async resolveShoot(t: Target & { garden: string; shoot: string }): Promise<ResolvedTarget> {
    const client = await this.client(t.garden);
    const namespace = t.project ? await this.projectNamespace(t.garden, t.project) : undefined;
    const found = await this.shoots(t.garden, namespace, t.shoot);
    const scope = t.project ? `project "${t.project}"` : `garden "${t.garden}"`;
    if (found.length === 0) {
      const names = (await this.shoots(t.garden, namespace)).map((s) => s.metadata.name);
      const near = closest(t.shoot, names);
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `shoot "${t.shoot}" not found in ${scope}`,
        near.length > 0
          ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}? (gardenctl target shoot NAME)`
          : names.length > 0
            ? `shoots there: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`
            : t.project
              ? `project "${t.project}" has no shoots; target another project (gardenctl target project NAME) or drop it (gardenctl target unset project)`
              : 'this garden has no shoots yet',
      );
    }
    const projects = await client.list(`${CORE}/projects`);
    const projectOf = (ns: string | undefined) =>
      projects.find((p) => (p.spec?.namespace as string | undefined) === ns)?.metadata.name;
    if (found.length > 1) {
      const where = found.map((s) => projectOf(s.metadata.namespace) ?? s.metadata.namespace).sort();
      throw new GardenctlError(
        GardenctlErrorCode.Ambiguous,
        `shoot "${t.shoot}" exists in several projects: ${where.join(', ')}`,
        `name the project: gardenctl target --project ${where[0]} --shoot ${t.shoot}`,
      );
    }
    const shoot = found[0] as KubeObject;
    const project = t.project ?? projectOf(shoot.metadata.namespace);
    if (!project) {
      throw new GardenctlError(
        GardenctlErrorCode.GardenApi,
        `no project owns namespace "${shoot.metadata.namespace}" of shoot "${t.shoot}"`,
      );
    }
    const seed = shoot.spec?.seedName as string | undefined;
    return {
      target: compact({ garden: t.garden, project, seed, shoot: shoot.metadata.name }),
      namespace: shoot.metadata.namespace,
      shoot,
    };
  }

  /**
   * Shoots in one namespace, or in the whole garden. A user who may not list shoots cluster-wide
   * (only garden admins may) gets those of the projects they can see, one project at a time.
   */
  async shoots(garden: string, namespace: string | undefined, name?: string): Promise<KubeObject[]> {
    const client = await this.client(garden);
    const query: Record<string, string> = name ? { fieldSelector: `metadata.name=${name}` } : {};
    if (namespace) return client.list(`${CORE}/namespaces/${namespace}/shoots`, query);
    try {
      return await client.list(`${CORE}/shoots`, query);
    } catch (error) {
      if (!(error instanceof GardenApiError) || error.httpStatus !== 403) throw error;
    }
    const projects = await client.list(`${CORE}/projects`);
    const namespaces = projects
      .map((p) => p.spec?.namespace as string | undefined)
      .filter((n): n is string => !!n);
    const lists = await Promise.all(
      namespaces.map((ns) => client.list(`${CORE}/namespaces/${ns}/shoots`, query).catch(skipForbidden)),
    );
    return lists.flat();
  }

  async projectNamespace(garden: string, project: string): Promise<string> {
    const client = await this.client(garden);
    const found = await client.get(`${CORE}/projects/${encodeURIComponent(project)}`);
    if (!found) {
      const names = (await client.list(`${CORE}/projects`)).map((p) => p.metadata.name);
      const near = closest(project, names);
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `project "${project}" not found in garden "${garden}"`,
        near.length > 0
          ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}? (gardenctl target project NAME)`
          : names.length > 0
            ? `projects there: ${names.join(', ')}`
            : 'this garden has no projects yet',
      );
    }
    const namespace = found.spec?.namespace as string | undefined;
    if (!namespace) {
      throw new GardenctlError(
        GardenctlErrorCode.GardenApi,
        `project "${project}" does not have a corresponding namespace set; most likely it has not yet been fully created`,
        'wait a moment and try again',
      );
    }
    return namespace;
  }

  /** Project name for a namespace (pattern group `namespace`), via the namespace's project label. */
  async projectOfNamespace(garden: string, namespace: string): Promise<string> {
    const client = await this.client(garden);
    const ns = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    const project = ns?.metadata.labels?.['project.gardener.cloud/name'];
    if (!ns) {
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `namespace "${namespace}" not found in garden "${garden}"`,
      );
    }
    if (!project) {
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `namespace "${namespace}" is not related to a gardener project`,
      );
    }
    return project;
  }

  client(garden: string): Promise<GardenClient> {
    let client = this.clients.get(garden);
    if (!client) {
      client = this.createClient(garden);
      this.clients.set(garden, client);
    }
    return client;
  }

  private async createClient(gardenName: string): Promise<GardenClient> {
    const garden = this.config.garden(gardenName);
    const [{ loadKubeconfig, resolveContext }, { GardenClient }] = await Promise.all([
      import('../garden/kubeconfig.js'),
      import('../garden/client.js'),
    ]);
    const kubeconfig = await loadKubeconfig(this.config.kubeconfigPath(garden), garden.identity);
    const context = resolveContext(kubeconfig, garden.context, garden.identity);
    return new GardenClient(garden.identity, context, this.log);
  }

  /**
   * The shoot access level this command asks for: its --access-level/--admin/--viewer, else the
   * garden's `kubeconfigAccessLevelDefaults.shoots`; undefined when neither says (then admin).
   */
  shootAccessLevel(garden: string): AccessLevelChoice | undefined {
    return this.requestedAccessLevel ?? this.config.shootAccessLevelDefault(this.config.garden(garden));
  }

  /**
   * The kubeconfig for a target: for a shoot a short-lived one from its adminkubeconfig or
   * viewerkubeconfig subresource (the level obtained is recorded in `resolved.accessLevel`);
   * otherwise the garden's (minified), with the project's namespace.
   */
  async kubeconfigFor(resolved: ResolvedTarget, accessLevel?: AccessLevelChoice): Promise<Kubeconfig> {
    const t = resolved.target;
    if (!t.garden) throw noGardenTargeted(this.config);
    const garden = this.config.garden(t.garden);
    if (t.shoot) {
      const namespace = resolved.namespace ?? (await this.projectNamespace(garden.identity, t.project ?? ''));
      const level = accessLevel ?? this.shootAccessLevel(garden.identity) ?? 'admin';
      const obtained = await this.shootKubeconfig(garden.identity, namespace, t.shoot, level);
      resolved.accessLevel = obtained.level;
      return obtained.kubeconfig;
    }
    const { loadKubeconfig, resolveContext, minify, withNamespace } = await import('../garden/kubeconfig.js');
    const full = await loadKubeconfig(this.config.kubeconfigPath(garden), garden.identity);
    const small = minify(full, resolveContext(full, garden.context, garden.identity));
    if (!t.project) return small;
    const namespace = resolved.namespace ?? (await this.projectNamespace(garden.identity, t.project));
    return withNamespace(small, namespace);
  }

  /** `auto` asks for admin and takes viewer when the garden refuses admin (403), as gardenlogin does. */
  private async shootKubeconfig(
    garden: string,
    namespace: string,
    shoot: string,
    level: AccessLevelChoice,
  ): Promise<{ kubeconfig: Kubeconfig; level: AccessLevel }> {
    const ask = async (asked: AccessLevel) => ({
      kubeconfig: await this.requestShootKubeconfig(garden, namespace, shoot, asked),
      level: asked,
    });
    try {
      if (level !== 'auto') return await ask(level);
      try {
        return await ask('admin');
      } catch (error) {
        if (!(error instanceof GardenApiError) || error.httpStatus !== 403) throw error;
        this.log?.info(4, 'admin kubeconfig refused, falling back to viewer', { shoot });
        return await ask('viewer');
      }
    } catch (error) {
      throw shootKubeconfigUnavailable(shoot, error instanceof Error ? error.message : String(error));
    }
  }

  private async requestShootKubeconfig(
    garden: string,
    namespace: string,
    shoot: string,
    level: AccessLevel,
  ): Promise<Kubeconfig> {
    const client = await this.client(garden);
    const kind = level === 'admin' ? 'AdminKubeconfigRequest' : 'ViewerKubeconfigRequest';
    const path = `${CORE}/namespaces/${namespace}/shoots/${shoot}/${level}kubeconfig`;
    this.log?.info(4, 'Requesting shoot kubeconfig', { shoot: `${namespace}/${shoot}`, accessLevel: level });
    const response = await client.post<{ status?: { kubeconfig?: string } }>(path, {
      apiVersion: 'authentication.gardener.cloud/v1alpha1',
      kind,
      spec: { expirationSeconds: SHOOT_KUBECONFIG_SECONDS },
    });
    const { parse } = await import('yaml');
    return parse(Buffer.from(response.status?.kubeconfig ?? '', 'base64').toString('utf8')) as Kubeconfig;
  }

  /** Writes a kubeconfig into the session directory (0600) under a name derived from its content. */
  async writeKubeconfig(kubeconfig: Kubeconfig): Promise<string> {
    const { stringify } = await import('yaml');
    const text = stringify(kubeconfig, { lineWidth: 0 });
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
    const file = join(this.sessionDir, `kubeconfig.${hash}.yaml`);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  }

  linkPath(): string {
    return join(this.sessionDir, LINK);
  }

  linkEnabled(): boolean {
    return this.config.linkKubeconfig(this.env);
  }

  /**
   * Points the session's kubeconfig.yaml at the target's kubeconfig. With no garden targeted, or a
   * shoot whose kubeconfig cannot be had, the link is removed so kubectl never reaches the wrong cluster.
   */
  async relink(resolved: ResolvedTarget): Promise<void> {
    if (!this.linkEnabled()) return;
    const link = this.linkPath();
    if (!resolved.target.garden) {
      rmSync(link, { force: true });
      return;
    }
    let file: string;
    try {
      file = await this.writeKubeconfig(await this.kubeconfigFor(resolved));
    } catch (error) {
      rmSync(link, { force: true });
      // a shoot is still targeted while its control plane is being created; kubectl-env says why not
      if (!resolved.target.shoot || !(error instanceof GardenctlError)) throw error;
      resolved.kubeconfigProblem = error.message;
      return;
    }
    const temporary = `${link}.${process.pid}.tmp`;
    rmSync(temporary, { force: true });
    symlinkSync(file, temporary);
    renameSync(temporary, link);
  }
}

/** A project the user can see but whose shoots they may not list contributes no shoots. */
function skipForbidden(error: unknown): KubeObject[] {
  if (error instanceof GardenApiError && error.httpStatus === 403) return [];
  throw error;
}

export function shootKubeconfigUnavailable(shoot: string, reason?: string): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.Unsupported,
    `no kubeconfig for shoot "${shoot}"${reason ? `: ${reason}` : ''}`,
    `once the shoot is created, run gardenctl target shoot ${shoot} again; or gardenctl target unset shoot for the garden`,
  );
}
