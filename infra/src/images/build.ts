import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuiltinImage } from './definitions.js';
import { ImageError, ImageErrorCode } from './errors.js';
import { type Layer, layerFromDirectory, layerFromTar } from './layer.js';
import { type RuntimeConfig, writeLayout } from './layout.js';
import type { PushRecords } from './records.js';
import type { Registry } from './registry.js';
import { run } from './run.js';
import { REPOSITORY_PREFIX } from './settings.js';

export interface PushResult {
  readonly reference: string;
  readonly digest: string;
  /** bytes of manifest, config and layers (undefined for images pushed as they came) */
  readonly size?: number;
  /** false when the registry already had exactly this image under the tag */
  readonly pushed: boolean;
  /** false when the registry's image was made from the same inputs, so nothing was built */
  readonly built: boolean;
  readonly seconds: number;
}

export interface ImageContext {
  readonly registry: Registry;
  readonly records: PushRecords;
  readonly log: (line: string) => void;
}

const LABEL_PREFIX = 'io.gardener-ts.image';
/** sha256 over a built-in image's inputs; equal in the registry → the build is skipped */
export const INPUTS_LABEL = `${LABEL_PREFIX}.inputs`;
/** bump when the way images are assembled changes, so every built-in image is rebuilt once */
const BUILD_FORMAT = 1;

async function withWorkDir<T>(prefix: string, body: (work: string) => Promise<T>): Promise<T> {
  const work = await mkdtemp(join(tmpdir(), `gardener-ts-${prefix}-`));
  try {
    return await body(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Writes the layout and pushes it, unless the registry's tag already points at the very same
 * manifest: builds are reproducible, so an unchanged image has an unchanged digest and is skipped.
 */
async function pushLayer(
  ctx: ImageContext,
  work: string,
  layer: Layer,
  repository: string,
  tag: string,
  runtime: RuntimeConfig,
  history: string,
  started: number,
): Promise<PushResult> {
  const layout = join(work, 'layout');
  const image = await writeLayout(layout, layer, runtime, history, tag);
  const reference = ctx.registry.ref(repository, tag);
  const current = await ctx.registry.digest(repository, tag);
  const pushed = current !== image.digest;
  if (pushed) await ctx.registry.push(layout, repository, tag);
  await ctx.records.record(ctx.registry, repository, tag);
  return {
    reference,
    digest: image.digest,
    size: image.size,
    pushed,
    built: true,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Builds one built-in image from the machine's own files and pushes it when it changed. */
export async function buildBuiltin(
  ctx: ImageContext,
  image: BuiltinImage,
  options: { force?: boolean } = {},
): Promise<PushResult> {
  const started = Date.now();
  await ctx.registry.ensureUp();
  const tag = await image.tag();
  const repository = `${REPOSITORY_PREFIX}/${image.name}`;
  const inputs = createHash('sha256')
    .update(
      JSON.stringify({ format: BUILD_FORMAT, tag, runtime: image.runtime, inputs: await image.inputs() }),
    )
    .digest('hex');
  if (!options.force) {
    const current = await ctx.registry.digest(repository, tag);
    const labels = current ? await ctx.registry.labels(repository, tag) : {};
    if (current && labels[INPUTS_LABEL] === inputs) {
      await ctx.records.record(ctx.registry, repository, tag);
      return {
        reference: ctx.registry.ref(repository, tag),
        digest: current,
        pushed: false,
        built: false,
        seconds: (Date.now() - started) / 1000,
      };
    }
  }
  return withWorkDir(`image-${image.name}`, async (work) => {
    const root = join(work, 'rootfs');
    await mkdir(root);
    await chmod(root, 0o755);
    await image.stage({ root, work, log: ctx.log });
    const layer = await layerFromDirectory(root, join(work, 'layer.tar.gz'), { normalize: true });
    const runtime: RuntimeConfig = {
      ...image.runtime,
      labels: {
        ...image.runtime.labels,
        'org.opencontainers.image.title': image.name,
        'org.opencontainers.image.version': tag,
        'org.opencontainers.image.description': image.description,
        [`${LABEL_PREFIX}.built-by`]: 'gardener-ts npm run image -- build',
        [INPUTS_LABEL]: inputs,
      },
    };
    return pushLayer(
      ctx,
      work,
      layer,
      repository,
      tag,
      runtime,
      `gardener-ts image build ${image.name}`,
      started,
    );
  });
}

/** What `npm run image -- push` found at the path it was given. */
export type SourceKind = 'rootfs-directory' | 'oci-layout' | 'rootfs-tar' | 'docker-archive' | 'oci-archive';

async function tarEntries(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['--list', `--file=${file}`], {
    code: ImageErrorCode.BadInput,
    hint: `${file} is not a tar file GNU tar can read`,
  });
  return stdout.split('\n').map((e) => e.replace(/^\.\//, ''));
}

export async function detectSource(path: string): Promise<SourceKind> {
  const info = await stat(path).catch(() => {
    throw new ImageError(
      ImageErrorCode.BadInput,
      `${path} does not exist: give a rootfs directory, an OCI image layout, or a tar file`,
    );
  });
  if (info.isDirectory()) {
    return existsSync(join(path, 'oci-layout')) && existsSync(join(path, 'index.json'))
      ? 'oci-layout'
      : 'rootfs-directory';
  }
  if (!info.isFile())
    throw new ImageError(ImageErrorCode.BadInput, `${path} is neither a directory nor a file`);
  const entries = await tarEntries(path);
  if (entries.includes('oci-layout') && entries.includes('index.json')) return 'oci-archive';
  if (entries.includes('manifest.json')) return 'docker-archive';
  return 'rootfs-tar';
}

async function checkLayout(dir: string): Promise<void> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: unknown[] };
  const count = index.manifests?.length ?? 0;
  if (count !== 1) {
    throw new ImageError(
      ImageErrorCode.BadInput,
      `the OCI layout ${dir} holds ${count} images; give a layout with exactly one image or index ` +
        '(e.g. `crane pull --format=oci REF DIR` of one reference)',
    );
  }
}

/**
 * Pushes a user's image: a rootfs directory or rootfs tar (.tar or .tar.gz) becomes a single-layer
 * image with `runtime`; an OCI image layout (directory or tar) or a `docker save` tarball is pushed
 * as it is (then `runtime` must be empty).
 */
export async function pushUserImage(
  ctx: ImageContext,
  source: string,
  repository: string,
  tag: string,
  runtime: RuntimeConfig,
): Promise<PushResult & { kind: SourceKind }> {
  const started = Date.now();
  await ctx.registry.ensureUp();
  const kind = await detectSource(source);
  const hasRuntime = Object.values(runtime).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined));
  if (hasRuntime && (kind === 'oci-layout' || kind === 'oci-archive' || kind === 'docker-archive')) {
    throw new ImageError(
      ImageErrorCode.BadInput,
      `${source} is a complete image (${kind}) with its own configuration: --entrypoint, --cmd, --env, ` +
        '--workdir, --user and --port apply to rootfs directories and rootfs tars only',
    );
  }
  return withWorkDir('push', async (work) => {
    const history = `gardener-ts npm run image -- push (${kind})`;
    if (kind === 'rootfs-directory' || kind === 'rootfs-tar') {
      const out = join(work, 'layer.tar.gz');
      if (kind === 'rootfs-directory' && (await readdir(source)).length === 0) {
        throw new ImageError(
          ImageErrorCode.BadInput,
          `${source} is empty: give the root filesystem of the image`,
        );
      }
      const layer =
        kind === 'rootfs-directory'
          ? await layerFromDirectory(source, out, { normalize: false })
          : await layerFromTar(source, out);
      return { kind, ...(await pushLayer(ctx, work, layer, repository, tag, runtime, history, started)) };
    }
    let path = source;
    if (kind === 'oci-archive') {
      path = join(work, 'layout');
      await mkdir(path);
      await run('tar', ['--extract', `--file=${source}`, `--directory=${path}`, '--no-same-owner'], {
        code: ImageErrorCode.BadInput,
      });
    }
    if (kind !== 'docker-archive') await checkLayout(path);
    await ctx.registry.push(path, repository, tag);
    const digest = await ctx.records.record(ctx.registry, repository, tag);
    return {
      kind,
      reference: ctx.registry.ref(repository, tag),
      digest,
      pushed: true,
      built: false,
      seconds: (Date.now() - started) / 1000,
    };
  });
}
