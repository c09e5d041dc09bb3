#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ToolchainError } from '../toolchain/errors.js';
import { verifiedBinary } from '../toolchain/index.js';
import { buildBuiltin, type ImageContext, type PushResult, pushUserImage } from './build.js';
import { BUILTIN_IMAGES, builtinImage } from './definitions.js';
import { ImageError, ImageErrorCode } from './errors.js';
import { exportNodeImages, nodeImagesDir } from './node-images.js';
import { PushRecords } from './records.js';
import { parseImageName } from './reference.js';
import { Registry } from './registry.js';
import { registryAddress, registryStateDir } from './settings.js';

const usage = () => `usage: npm run image -- COMMAND

  list                      the images in the local registry: repository, tag, digest
  build [NAME...] [--force] build the built-in images (all, or the named ones) from this machine's files
                            and push those that changed; built-in: ${BUILTIN_IMAGES.map((i) => i.name).join(', ')}.
                            An image whose inputs (sources, tool versions) are unchanged is not even
                            built; --force builds it anyway (and still pushes only a changed digest)
  push SOURCE NAME:TAG      push your own image as gardener-ts/NAME:TAG. SOURCE is one of
                              a directory holding a root filesystem, or a tar / tar.gz of one
                                (one layer; set what runs with the flags below),
                              an OCI image layout directory or tar (crane pull --format=oci, skopeo),
                              a \`docker save\` tarball (pushed as they are)
      --entrypoint ARG        one element of the entrypoint; repeat for each (--entrypoint /app --entrypoint -v)
      --cmd ARG               one element of the default arguments; repeat for each
      --env NAME=VALUE        an environment variable; repeat for each (default: PATH)
      --workdir DIR           working directory (default /)
      --user USER[:GROUP]     user to run as (default root)
      --port PORT/PROTO       an exposed port, e.g. 8080/tcp; repeat for each
  restore                   put back the tags the registry lost when it restarted (run by npm run up)
  export-node-images [DIR]  write the built-in images as archives that local machines import at boot
                              (default $GARDENER_TS_NODE_IMAGES or /var/lib/gardener-ts/node-images; run by npm run up)
  address                   print the registry address (127.0.0.1:$GARDENER_TS_REGISTRY_PORT, default 5001)

The registry is started by \`npm run up\`; images are at 127.0.0.1:PORT/gardener-ts/NAME:TAG.`;

function printResult(result: PushResult, log: (line: string) => void): void {
  const size = result.size === undefined ? '' : `, ${(result.size / 1024 / 1024).toFixed(2)} MiB`;
  const what = result.pushed
    ? 'pushed'
    : result.built
      ? 'same digest, not pushed'
      : 'inputs unchanged, not built';
  log(`${result.reference}  ${result.digest}  (${what}${size}, ${result.seconds.toFixed(1)} s)`);
}

async function context(): Promise<ImageContext> {
  const log = (line: string) => console.log(line);
  const registry = new Registry(registryAddress(), await verifiedBinary('crane'));
  return { registry, records: new PushRecords(registryStateDir()), log };
}

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'list': {
      parseArgs({ args: rest, options: {}, allowPositionals: false });
      const ctx = await context();
      const rows = await ctx.registry.list();
      if (rows.length === 0) {
        console.log(`the registry at ${ctx.registry.address} holds no images (npm run image -- build)`);
        return 0;
      }
      const lines = rows.map((r) => [`${ctx.registry.address}/${r.repository}`, r.tag, r.digest]);
      const header = ['IMAGE', 'TAG', 'DIGEST'];
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
      for (const line of [header, ...lines]) {
        console.log(
          line
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd(),
        );
      }
      return 0;
    }
    case 'build': {
      const { positionals, values } = parseArgs({
        args: rest,
        options: { force: { type: 'boolean' } },
        allowPositionals: true,
      });
      const images = positionals.length > 0 ? positionals.map(builtinImage) : BUILTIN_IMAGES;
      const ctx = await context();
      for (const image of images) {
        printResult(await buildBuiltin(ctx, image, { force: values.force }), ctx.log);
      }
      return 0;
    }
    case 'push': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          entrypoint: { type: 'string', multiple: true },
          cmd: { type: 'string', multiple: true },
          env: { type: 'string', multiple: true },
          workdir: { type: 'string' },
          user: { type: 'string' },
          port: { type: 'string', multiple: true },
        },
      });
      const [source, name, ...extra] = positionals;
      if (!source || !name || extra.length > 0) {
        throw new ImageError(
          ImageErrorCode.BadInput,
          'push needs exactly two arguments: SOURCE (directory or tar file) and NAME:TAG',
        );
      }
      for (const env of values.env ?? []) {
        if (!/^[^=\0]+=/.test(env)) {
          throw new ImageError(ImageErrorCode.BadInput, `--env ${env}: give NAME=VALUE`);
        }
      }
      for (const port of values.port ?? []) {
        if (!/^[0-9]{1,5}(\/(tcp|udp|sctp))?$/.test(port) || Number(port.split('/')[0]) > 65535) {
          throw new ImageError(ImageErrorCode.BadInput, `--port ${port}: give PORT/tcp, e.g. 8080/tcp`);
        }
      }
      const { repository, tag } = parseImageName(name, registryAddress());
      const ctx = await context();
      const result = await pushUserImage(ctx, source, repository, tag, {
        entrypoint: values.entrypoint,
        cmd: values.cmd,
        env: values.env,
        workingDir: values.workdir,
        user: values.user,
        exposedPorts: values.port?.map((p) => (p.includes('/') ? p : `${p}/tcp`)),
      });
      ctx.log(`${source}: ${result.kind}`);
      printResult(result, ctx.log);
      return 0;
    }
    case 'restore': {
      parseArgs({ args: rest, options: {}, allowPositionals: false });
      const ctx = await context();
      await ctx.registry.ensureUp();
      const restored = await ctx.records.restore(ctx.registry, ctx.log);
      ctx.log(restored.length ? `restored ${restored.length} tags` : 'every recorded tag is in the registry');
      return 0;
    }
    case 'export-node-images': {
      const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
      const ctx = await context();
      await ctx.registry.ensureUp();
      const dir = positionals[0] ?? nodeImagesDir();
      const refs = await exportNodeImages(dir, await verifiedBinary('crane'));
      ctx.log(`${refs.length} images for local machines in ${dir}: ${refs.join(', ')}`);
      return 0;
    }
    case 'address':
      console.log(registryAddress());
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(usage());
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${usage()}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ImageError || error instanceof ToolchainError) {
      console.error(`error: ${error.message}`);
    } else if (
      error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`error: ${error.message}\n\n${usage()}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
