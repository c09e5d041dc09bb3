import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layer } from './layer.js';
import { hostPlatform } from './settings.js';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** What a container started from the image runs and with what (the OCI image config's `config`). */
export interface RuntimeConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workingDir?: string;
  /** e.g. "8080/tcp" */
  readonly exposedPorts?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export interface WrittenImage {
  /** sha256:… of the manifest: what the registry reports for the tag once pushed */
  readonly digest: string;
  /** bytes of the manifest, config and layers together */
  readonly size: number;
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** No build time in the image: the same inputs give the same digest. */
const EPOCH = '1970-01-01T00:00:00Z';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blobPath = (dir: string, digest: string) =>
  join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));

/**
 * Writes a single-layer image as an OCI image layout directory (oci-layout, index.json, blobs/)
 * that `crane push DIR REF` pushes. The layer file is moved into the layout. All JSON is written
 * with a fixed key order and no timestamps, so equal inputs give an equal manifest digest.
 */
export async function writeLayout(
  dir: string,
  layer: Layer,
  runtime: RuntimeConfig,
  history: string,
  /** recorded in index.json only (org.opencontainers.image.ref.name), so it does not change the digest */
  tag: string,
): Promise<WrittenImage> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const platform = hostPlatform();
  const config: Record<string, unknown> = {};
  if (runtime.user) config.User = runtime.user;
  if (runtime.exposedPorts?.length) {
    config.ExposedPorts = Object.fromEntries([...runtime.exposedPorts].sort().map((p) => [p, {}]));
  }
  config.Env = runtime.env?.length ? [...runtime.env] : [DEFAULT_PATH];
  if (runtime.entrypoint?.length) config.Entrypoint = [...runtime.entrypoint];
  if (runtime.cmd?.length) config.Cmd = [...runtime.cmd];
  config.WorkingDir = runtime.workingDir ?? '/';
  if (runtime.labels && Object.keys(runtime.labels).length > 0) {
    config.Labels = Object.fromEntries(Object.entries(runtime.labels).sort(([a], [b]) => a.localeCompare(b)));
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      created: EPOCH,
      architecture: platform.architecture,
      os: platform.os,
      config,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: EPOCH, created_by: history }],
    }),
  );
  const configDigest = sha256(configBytes);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: MEDIA_TYPES.layer, digest: layer.digest, size: layer.size }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(manifestBytes);

  await rename(layer.file, blobPath(dir, layer.digest));
  await writeFile(blobPath(dir, configDigest), configBytes);
  await writeFile(blobPath(dir, digest), manifestBytes);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [
        {
          mediaType: MEDIA_TYPES.manifest,
          digest,
          size: manifestBytes.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { digest, size: manifestBytes.length + configBytes.length + layer.size };
}
