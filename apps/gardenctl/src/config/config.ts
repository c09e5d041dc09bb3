import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { closest } from '../suggest.js';
import { ACCESS_LEVELS, type AccessLevelChoice, isAccessLevel } from './access-level.js';
import { expandHome } from './paths.js';
import { matchPatterns, type PatternMatch } from './patterns.js';

/** One garden as gardenctl-v2 stores it: `identity` is the name, `name` the alias. */
export interface Garden {
  identity: string;
  name?: string;
  kubeconfig: string;
  context?: string;
  patterns?: string[];
  /** gardenctl-v2's per-scope default access levels (`seeds` is kept, not used: seeds are not targets here) */
  kubeconfigAccessLevelDefaults?: { shoots?: string; seeds?: string; [other: string]: unknown };
  [other: string]: unknown;
}

export interface ConfigDocument {
  gardens: Garden[];
  linkKubeconfig?: boolean;
  [other: string]: unknown;
}

const GARDEN_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$/;

export function validateGardenName(name: string, what = 'garden name'): void {
  if (!/^[a-zA-Z0-9_-]+$/.test(name)) {
    throw new GardenctlError(
      GardenctlErrorCode.Usage,
      `invalid ${what} "${name}": it must contain only alphanumeric characters, underscore or hyphen`,
    );
  }
  if (!GARDEN_NAME.test(name)) {
    throw new GardenctlError(
      GardenctlErrorCode.Usage,
      `invalid ${what} "${name}": it must start and end with an alphanumeric character`,
    );
  }
}

/**
 * The gardenctl configuration file. Fields this CLI does not know (accessRestrictions, provider…)
 * are kept as they are, so a file shared with gardenctl-v2 survives a round trip.
 */
export class GardenctlConfig {
  private constructor(
    readonly filename: string,
    readonly doc: ConfigDocument,
  ) {}

  static async load(filename: string): Promise<GardenctlConfig> {
    let text: string;
    try {
      text = readFileSync(filename, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return new GardenctlConfig(filename, { gardens: [] });
      throw new GardenctlError(
        GardenctlErrorCode.Config,
        `failed to read ${filename}: ${(error as Error).message}`,
      );
    }
    const { parse } = await import('yaml');
    let doc: unknown;
    try {
      doc = text.trim() === '' ? {} : parse(text);
    } catch (error) {
      throw new GardenctlError(
        GardenctlErrorCode.Config,
        `failed to decode ${filename} as YAML: ${(error as Error).message}`,
        'fix the file by hand, or delete it and run gardenctl config set-garden again',
      );
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) doc = {};
    const config = doc as ConfigDocument;
    if (!Array.isArray(config.gardens)) config.gardens = [];
    config.gardens.forEach((garden, index) => {
      if (!garden || typeof garden.identity !== 'string' || garden.identity === '') {
        throw new GardenctlError(
          GardenctlErrorCode.Config,
          `garden at index ${index} in ${filename} has an empty identity`,
          'fix the file, or remove that garden with gardenctl config delete-garden',
        );
      }
    });
    return new GardenctlConfig(filename, config);
  }

  get gardens(): readonly Garden[] {
    return this.doc.gardens;
  }

  /** gardenctl-v2 links the session's kubeconfig.yaml to the target unless linkKubeconfig is false. */
  linkKubeconfig(env: NodeJS.ProcessEnv): boolean {
    const fromEnv = env.GCTL_LINK_KUBECONFIG;
    if (fromEnv !== undefined && fromEnv !== '') return !/^(0|f|false|no)$/i.test(fromEnv);
    return this.doc.linkKubeconfig !== false;
  }

  /** Identity first, then the first alias match (gardenctl-v2's rule). */
  findGarden(name: string): Garden | undefined {
    return this.gardens.find((g) => g.identity === name) ?? this.gardens.find((g) => g.name === name);
  }

  garden(name: string): Garden {
    const found = this.findGarden(name);
    if (found) return found;
    const known = this.gardenNames();
    const near = closest(name, known);
    throw new GardenctlError(
      GardenctlErrorCode.GardenNotConfigured,
      `garden "${name}" is not defined in gardenctl configuration`,
      near.length > 0
        ? `did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
        : known.length > 0
          ? `configured gardens: ${known.join(', ')}; add one with gardenctl config set-garden ${name} --kubeconfig FILE`
          : `add it with gardenctl config set-garden ${name} --kubeconfig FILE`,
    );
  }

  /** Identities and aliases, sorted. */
  gardenNames(): string[] {
    const names = new Set<string>();
    for (const g of this.gardens) {
      names.add(g.identity);
      if (g.name) names.add(g.name);
    }
    return [...names].sort();
  }

  /** The garden's default shoot access level (`kubeconfigAccessLevelDefaults.shoots`), checked. */
  shootAccessLevelDefault(garden: Garden): AccessLevelChoice | undefined {
    const level = garden.kubeconfigAccessLevelDefaults?.shoots;
    if (level === undefined || level === '') return undefined;
    if (isAccessLevel(level)) return level;
    throw new GardenctlError(
      GardenctlErrorCode.Config,
      `garden "${garden.identity}" has an invalid kubeconfigAccessLevelDefaults.shoots "${level}": must be one of ${ACCESS_LEVELS.join(', ')}`,
      `run gardenctl config set-garden ${garden.identity} --default-shoot-access-level admin|viewer|auto`,
    );
  }

  kubeconfigPath(garden: Garden): string {
    const path = expandHome(garden.kubeconfig ?? '');
    if (!path) {
      throw new GardenctlError(
        GardenctlErrorCode.Config,
        `garden "${garden.identity}" has no kubeconfig configured`,
        `run gardenctl config set-garden ${garden.identity} --kubeconfig FILE`,
      );
    }
    return isAbsolute(path) ? path : resolve(dirname(this.filename), path);
  }

  setGarden(update: {
    identity: string;
    kubeconfig?: string;
    context?: string;
    alias?: string;
    patterns?: string[];
    /** "" removes it */
    defaultShootAccessLevel?: AccessLevelChoice | '';
  }): void {
    let garden = this.gardens.find((g) => g.identity === update.identity);
    if (!garden) {
      garden = { identity: update.identity, kubeconfig: '' };
      this.doc.gardens.push(garden);
    }
    if (update.kubeconfig !== undefined) garden.kubeconfig = update.kubeconfig;
    setOptional(garden, 'context', update.context);
    setOptional(garden, 'name', update.alias);
    if (update.patterns !== undefined) {
      // As gardenctl-v2: --pattern replaces the list; a single empty --pattern "" clears it.
      if (update.patterns.length === 0 || update.patterns[0] === '') delete garden.patterns;
      else garden.patterns = update.patterns;
    }
    if (update.defaultShootAccessLevel !== undefined) setShootDefault(garden, update.defaultShootAccessLevel);
  }

  deleteGarden(identity: string): boolean {
    const index = this.gardens.findIndex((g) => g.identity === identity);
    if (index < 0) return false;
    this.doc.gardens.splice(index, 1);
    return true;
  }

  /**
   * Matches `value` against the preferred garden's patterns first, then all gardens' (an
   * ambiguous match across gardens is an error, as in gardenctl-v2).
   */
  matchPattern(preferredGarden: string | undefined, value: string): PatternMatch & { garden: string } {
    if (preferredGarden) {
      const garden = this.garden(preferredGarden);
      const match = matchPatterns(garden.patterns ?? [], value);
      if (match) return { ...match, garden: garden.identity };
    }
    let found: (PatternMatch & { garden: string }) | undefined;
    for (const garden of this.gardens) {
      const match = matchPatterns(garden.patterns ?? [], value);
      if (!match) continue;
      if (found) {
        throw new GardenctlError(
          GardenctlErrorCode.Ambiguous,
          `"${value}" matches patterns of gardens "${found.garden}" and "${garden.identity}"`,
          'add --garden NAME to choose one',
        );
      }
      found = { ...match, garden: garden.identity };
    }
    if (found) return found;
    const withPatterns = this.gardens.filter((g) => (g.patterns ?? []).length > 0).map((g) => g.identity);
    throw new GardenctlError(
      GardenctlErrorCode.PatternMismatch,
      `"${value}" does not match any pattern`,
      withPatterns.length > 0
        ? `check the patterns with gardenctl config view (gardens with patterns: ${withPatterns.join(', ')}), or target by name: gardenctl target shoot NAME`
        : 'no garden has patterns; add one with gardenctl config set-garden NAME --pattern REGEX, or target by name: gardenctl target shoot NAME',
    );
  }

  async save(): Promise<void> {
    const { stringify } = await import('yaml');
    mkdirSync(dirname(this.filename), { recursive: true, mode: 0o700 });
    const temporary = `${this.filename}.${process.pid}.tmp`;
    writeFileSync(temporary, stringify(this.doc, { lineWidth: 0 }), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.filename);
  }
}

/** Sets or clears `kubeconfigAccessLevelDefaults.shoots`; an object left empty goes, as in gardenctl-v2. */
function setShootDefault(garden: Garden, level: AccessLevelChoice | ''): void {
  const defaults = { ...(garden.kubeconfigAccessLevelDefaults ?? {}) };
  if (level === '') delete defaults.shoots;
  else defaults.shoots = level;
  if (Object.keys(defaults).length === 0) delete garden.kubeconfigAccessLevelDefaults;
  else garden.kubeconfigAccessLevelDefaults = defaults;
}

function setOptional(garden: Garden, key: 'context' | 'name', value: string | undefined): void {
  if (value === undefined) return;
  if (value === '') delete garden[key];
  else garden[key] = value;
}
