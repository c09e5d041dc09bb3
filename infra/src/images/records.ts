import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ImageError, ImageErrorCode } from './errors.js';
import { MEDIA_TYPES } from './layout.js';
import { isValidRepository, isValidTag } from './reference.js';
import type { Registry } from './registry.js';
import { blobsDir, manifestsDir } from './settings.js';

/**
 * `crane registry serve --disk` keeps blobs on disk but manifests and tags in memory only: after a
 * restart of the registry its blobs are there and its tags are gone. So every push is recorded
 * here (the raw manifest bytes, by digest, and which tag points at which digest), and restore()
 * puts the tags back from those records and the blobs still on disk, uploading nothing.
 *
 * Layout: manifests/<repository>/_tags/<tag> holds a digest; manifests/<repository>/_manifests/<hex>
 * the manifest bytes. `_` cannot start a repository path component, so no name collides.
 */

const hex = (digest: string) => digest.replace(/^sha256:/, '');
const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
}

interface ParsedManifest {
  readonly mediaType?: string;
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
  readonly manifests?: readonly Descriptor[];
}

const isIndex = (m: ParsedManifest) => Array.isArray(m.manifests);

export class PushRecords {
  constructor(private readonly stateDir: string) {}

  private repoDir(repository: string) {
    return join(manifestsDir(this.stateDir), ...repository.split('/'));
  }

  /** Saves what repository:tag now points at in the registry (and, for an index, its images). */
  async record(registry: Registry, repository: string, tag: string): Promise<string> {
    const dir = this.repoDir(repository);
    await mkdir(join(dir, '_manifests'), { recursive: true });
    await mkdir(join(dir, '_tags'), { recursive: true });
    const save = async (reference: string): Promise<string> => {
      const bytes = await registry.manifest(reference);
      const digest = sha256(bytes);
      await writeFile(join(dir, '_manifests', hex(digest)), bytes);
      const parsed = JSON.parse(bytes.toString()) as ParsedManifest;
      for (const child of parsed.manifests ?? []) await save(`${repository}@${child.digest}`);
      return digest;
    };
    const digest = await save(`${repository}:${tag}`);
    await writeFile(join(dir, '_tags', tag), `${digest}\n`);
    return digest;
  }

  /** Every recorded repository:tag and the digest it should point at. */
  async recorded(): Promise<{ repository: string; tag: string; digest: string }[]> {
    const root = manifestsDir(this.stateDir);
    if (!existsSync(root)) return [];
    const rows: { repository: string; tag: string; digest: string }[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        if (entry.name === '_tags') {
          const repository = relative(root, dir).split(sep).join('/');
          if (!isValidRepository(repository)) continue;
          for (const tag of await readdir(join(dir, '_tags'))) {
            if (!isValidTag(tag)) continue;
            const digest = (await readFile(join(dir, '_tags', tag), 'utf8')).trim();
            rows.push({ repository, tag, digest });
          }
        } else if (entry.name !== '_manifests') {
          await walk(join(dir, entry.name));
        }
      }
    };
    await walk(root);
    return rows.sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
  }

  /**
   * Puts every recorded tag the registry lost back, as an OCI layout of the recorded manifests whose
   * config and layer blobs are hard links to the registry's own blob storage (crane finds them in
   * the registry and uploads nothing). Returns the references restored.
   */
  async restore(registry: Registry, log: (line: string) => void = () => {}): Promise<string[]> {
    const restored: string[] = [];
    for (const { repository, tag, digest } of await this.recorded()) {
      const current = await registry.digest(repository, tag);
      if (current === digest) continue;
      if (current !== undefined) {
        log(`${registry.ref(repository, tag)}: now ${current}, recorded ${digest}; keeping the registry's`);
        continue;
      }
      // beside the blobs, so that they can be hard-linked (crane refuses symlinks in a layout)
      const layout = await mkdtemp(join(this.stateDir, 'restore-'));
      try {
        await this.writeLayout(layout, repository, digest);
        await registry.push(layout, repository, tag);
        restored.push(registry.ref(repository, tag));
        log(`${registry.ref(repository, tag)}: restored (${digest})`);
      } finally {
        await rm(layout, { recursive: true, force: true });
      }
    }
    return restored;
  }

  private async writeLayout(layout: string, repository: string, digest: string): Promise<void> {
    const manifests = join(this.repoDir(repository), '_manifests');
    const blobs = join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    let topMediaType = '';
    const add = async (d: string, top: boolean): Promise<void> => {
      const bytes = await readFile(join(manifests, hex(d))).catch(() => {
        throw new ImageError(
          ImageErrorCode.RegistryFailed,
          `the record of ${repository} lacks manifest ${d}: push the image again (\`npm run image -- push …\`)`,
        );
      });
      await writeFile(join(blobs, hex(d)), bytes);
      const parsed = JSON.parse(bytes.toString()) as ParsedManifest;
      if (top)
        topMediaType = parsed.mediaType ?? (isIndex(parsed) ? MEDIA_TYPES.index : MEDIA_TYPES.manifest);
      if (isIndex(parsed)) {
        for (const child of parsed.manifests ?? []) await add(child.digest, false);
        return;
      }
      for (const blob of [parsed.config, ...(parsed.layers ?? [])]) {
        if (!blob) continue;
        const stored = join(blobsDir(this.stateDir), 'sha256', hex(blob.digest));
        if (!existsSync(stored)) {
          throw new ImageError(
            ImageErrorCode.RegistryFailed,
            `blob ${blob.digest} of ${repository} is gone from the registry storage ${dirname(dirname(stored))}: ` +
              'push the image again (`npm run image -- push …`)',
          );
        }
        const target = join(blobs, hex(blob.digest));
        if (!existsSync(target)) await link(stored, target).catch(() => copyFile(stored, target));
      }
    };
    await add(digest, true);
    const size = (await readFile(join(blobs, hex(digest)))).length;
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: topMediaType, digest, size }],
      }),
    );
  }
}
