import { ImageError, ImageErrorCode } from './errors.js';
import { run } from './run.js';

export interface TagInfo {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
}

const NOT_FOUND = /MANIFEST_UNKNOWN|NAME_UNKNOWN|404 Not Found/;

/**
 * The local registry, spoken to through the pinned crane (every call an argument array). crane
 * talks plain HTTP to 127.0.0.1 by itself, as to any loopback registry.
 */
export class Registry {
  constructor(
    /** host:port, e.g. 127.0.0.1:5001 */
    readonly address: string,
    private readonly cranePath: string,
  ) {}

  ref(repository: string, tag: string): string {
    return `${this.address}/${repository}:${tag}`;
  }

  /** Fails with what to do when nothing answers the registry API at the address. */
  async ensureUp(): Promise<void> {
    let status: number;
    try {
      const response = await fetch(`http://${this.address}/v2/`, { signal: AbortSignal.timeout(3000) });
      status = response.status;
      await response.body?.cancel();
    } catch (error) {
      const reason =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
      throw new ImageError(
        ImageErrorCode.RegistryDown,
        `the local image registry at ${this.address} does not answer (${reason}): start it with \`npm run up\` ` +
          '(or, if it runs on another port, set GARDENER_TS_REGISTRY_PORT to that port)',
      );
    }
    if (status !== 200 && status !== 401) {
      throw new ImageError(
        ImageErrorCode.RegistryDown,
        `${this.address} answered /v2/ with HTTP ${status}: it is not an image registry; ` +
          'free the port or set GARDENER_TS_REGISTRY_PORT to the registry started by `npm run up`',
      );
    }
  }

  crane(args: readonly string[]) {
    return run(this.cranePath, args, {
      code: ImageErrorCode.RegistryFailed,
      hint: `is the registry at ${this.address} up? (\`npm run up\` starts it)`,
    });
  }

  /** The manifest digest the tag points at, or undefined when the registry has no such tag. */
  async digest(repository: string, tag: string): Promise<string | undefined> {
    try {
      return (await this.crane(['digest', this.ref(repository, tag)])).stdout.trim();
    } catch (error) {
      if (error instanceof ImageError && NOT_FOUND.test(error.message)) return undefined;
      throw error;
    }
  }

  /** Pushes an OCI image layout directory or a docker-save tarball to repository:tag. */
  async push(
    source: string,
    repository: string,
    tag: string,
    options: { index?: boolean } = {},
  ): Promise<void> {
    await this.crane(['push', ...(options.index ? ['--index'] : []), source, this.ref(repository, tag)]);
  }

  /** The raw manifest bytes of a tag or digest reference (`name:tag` or `name@sha256:…`). */
  async manifest(reference: string): Promise<Buffer> {
    const { stdout } = await this.crane(['manifest', `${this.address}/${reference}`]);
    return Buffer.from(stdout);
  }

  async config(repository: string, tag: string): Promise<Record<string, unknown>> {
    return JSON.parse((await this.crane(['config', this.ref(repository, tag)])).stdout);
  }

  /** The image config's labels of repository:tag (empty when it has none). */
  async labels(repository: string, tag: string): Promise<Record<string, string>> {
    const config = (await this.config(repository, tag)) as { config?: { Labels?: Record<string, string> } };
    return config.config?.Labels ?? {};
  }

  async repositories(): Promise<string[]> {
    const { stdout } = await this.crane(['catalog', this.address]);
    return stdout.split('\n').filter(Boolean).sort();
  }

  async tags(repository: string): Promise<string[]> {
    try {
      const { stdout } = await this.crane(['ls', `${this.address}/${repository}`]);
      return stdout.split('\n').filter(Boolean).sort();
    } catch (error) {
      if (error instanceof ImageError && NOT_FOUND.test(error.message)) return [];
      throw error;
    }
  }

  /** Every tag of every repository with its digest. */
  async list(): Promise<TagInfo[]> {
    await this.ensureUp();
    const rows: TagInfo[] = [];
    for (const repository of await this.repositories()) {
      const tags = await this.tags(repository);
      const digests = await Promise.all(tags.map((tag) => this.digest(repository, tag)));
      tags.forEach((tag, i) => {
        const digest = digests[i];
        if (digest) rows.push({ repository, tag, digest });
      });
    }
    return rows;
  }
}
