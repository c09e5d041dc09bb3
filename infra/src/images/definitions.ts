import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { verifiedBinary } from '../toolchain/index.js';
import { ImageError, ImageErrorCode } from './errors.js';
import { DEFAULT_PATH, type RuntimeConfig } from './layout.js';
import { run } from './run.js';

/** infra/images (sources of the built-in images), found from src/ or dist/. */
export function imageSourcesRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'images');
}

export interface StageContext {
  /** the empty root filesystem to fill */
  readonly root: string;
  /** scratch space for intermediate files */
  readonly work: string;
  readonly log: (line: string) => void;
}

/** An image built here from what the machine has, pushed as gardener-ts/<name>:<tag>. */
export interface BuiltinImage {
  readonly name: string;
  readonly description: string;
  /** the tag; may depend on the machine (busybox's Debian version) */
  tag(): Promise<string>;
  /**
   * What decides the image's content, cheaply (source and tool hashes, versions): recorded as a
   * label, so an unchanged image is recognised in the registry without building it.
   */
  inputs(): Promise<string[]>;
  /** fills ctx.root with the image's files */
  stage(ctx: StageContext): Promise<void>;
  readonly runtime: RuntimeConfig;
}

/** sha256 of a file's content, hex. */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Creates root/path; parents it creates get 0755 whatever the umask, the directory itself `mode`. */
async function dir(root: string, path: string, mode = 0o755): Promise<string> {
  let full = root;
  for (const part of path.split('/').filter((p) => p && p !== '.')) {
    full = join(full, part);
    await mkdir(full).then(
      () => chmod(full, 0o755),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  await chmod(full, mode);
  return full;
}

async function file(root: string, path: string, content: string, mode = 0o644): Promise<void> {
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

export const PAUSE_VERSION = '3.10';
const PAUSE_HINT = 'the pause image needs gcc and a static libc (apt-get install gcc libc6-dev)';

/** A static C program that sleeps until SIGINT/SIGTERM and reaps children (infra/images/pause). */
const pause: BuiltinImage = {
  name: 'pause',
  description: "holds a pod's namespaces (static C, gcc -static -Os)",
  tag: async () => PAUSE_VERSION,
  async inputs() {
    const gcc = { code: ImageErrorCode.PrerequisiteMissing, hint: PAUSE_HINT };
    const libc = (await run('gcc', ['-print-file-name=libc.a'], gcc)).stdout.trim();
    return [
      `pause.c ${await fileHash(join(imageSourcesRoot(), 'pause', 'pause.c'))}`,
      `gcc ${(await run('gcc', ['-dumpfullversion'], gcc)).stdout.trim()}`,
      `libc.a ${await fileHash(libc)}`,
    ];
  },
  async stage({ root }) {
    const source = join(imageSourcesRoot(), 'pause', 'pause.c');
    await run('gcc', ['-static', '-Os', '-s', '-Wall', '-o', join(root, 'pause'), source], {
      code: ImageErrorCode.PrerequisiteMissing,
      hint: PAUSE_HINT,
    });
    await chmod(join(root, 'pause'), 0o755);
  },
  runtime: { entrypoint: ['/pause'], user: '65535:65535' },
};

const BUSYBOX_PACKAGE = 'busybox-static';
const BUSYBOX = '/bin/busybox';

/** Debian's busybox-static version, e.g. 1:1.35.0-4+deb12u1+b1; fails with what to install. */
export async function busyboxPackageVersion(): Promise<string> {
  const missing = new ImageError(
    ImageErrorCode.PrerequisiteMissing,
    `the shell image needs Debian's ${BUSYBOX_PACKAGE} (a static busybox): apt-get install ${BUSYBOX_PACKAGE} ` +
      '(npm run up installs it)',
  );
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
  const format = '-f=${Status}\t${Version}';
  const { stdout } = await run('dpkg-query', ['-W', format, BUSYBOX_PACKAGE], {
    code: ImageErrorCode.PrerequisiteMissing,
  }).catch(() => {
    throw missing;
  });
  const [status, version] = stdout.split('\t');
  if (!status?.endsWith(' installed') || !version) throw missing;
  return version;
}

/** busybox from Debian's busybox-static with a symlink per applet (infra: `busybox --list-full`). */
const shell: BuiltinImage = {
  name: 'shell',
  description: "busybox from Debian's busybox-static, with its applets",
  async tag() {
    // 1:1.35.0-4+deb12u1+b1 → 1.35
    const upstream = (await busyboxPackageVersion()).replace(/^[0-9]+:/, '');
    const match = /^([0-9]+)\.([0-9]+)/.exec(upstream);
    if (!match) throw new ImageError(ImageErrorCode.BuildFailed, `cannot read busybox version ${upstream}`);
    return `${match[1]}.${match[2]}`;
  },
  async inputs() {
    return [`${BUSYBOX_PACKAGE} ${await busyboxPackageVersion()}`, `busybox ${await fileHash(BUSYBOX)}`];
  },
  async stage({ root }) {
    await busyboxPackageVersion();
    await dir(root, 'bin');
    await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
    await chmod(join(root, 'bin', 'busybox'), 0o755);
    const { stdout } = await run(BUSYBOX, ['--list-full']);
    for (const applet of stdout.split('\n').filter(Boolean)) {
      if (applet === 'bin/busybox' || applet.includes('..') || applet.startsWith('/')) continue;
      await dir(root, dirname(applet));
      await symlink('/bin/busybox', join(root, applet));
    }
    await dir(root, 'etc');
    await file(
      root,
      'etc/passwd',
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    await file(root, 'etc/group', 'root:x:0:\nnogroup:x:65534:\n');
    await dir(root, 'root', 0o700);
    await dir(root, 'tmp', 0o1777);
  },
  runtime: { cmd: ['/bin/sh'], env: [DEFAULT_PATH] },
};

export const DEMO_WEB_VERSION = '1.1';
const DEMO_WEB_HINT = 'the demo-web image needs Go 1.26 or newer (https://go.dev/doc/install)';

/** A static Go web server (infra/images/demo-web) answering GET / with the pod's hostname. */
const demoWeb: BuiltinImage = {
  name: 'demo-web',
  description: 'static Go web server on :8080 answering with its hostname',
  tag: async () => DEMO_WEB_VERSION,
  async inputs() {
    const dir = join(imageSourcesRoot(), 'demo-web');
    const go = await run('go', ['env', 'GOVERSION'], {
      env: { ...process.env, GOTOOLCHAIN: 'local' },
      code: ImageErrorCode.PrerequisiteMissing,
      hint: DEMO_WEB_HINT,
    });
    return [
      `main.go ${await fileHash(join(dir, 'main.go'))}`,
      `go.mod ${await fileHash(join(dir, 'go.mod'))}`,
      `go ${go.stdout.trim()}`,
    ];
  },
  async stage({ root }) {
    await run(
      'go',
      ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', join(root, 'demo-web'), '.'],
      {
        cwd: join(imageSourcesRoot(), 'demo-web'),
        env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GOOS: 'linux' },
        code: ImageErrorCode.PrerequisiteMissing,
        hint: DEMO_WEB_HINT,
      },
    );
    await chmod(join(root, 'demo-web'), 0o755);
    await mkdir(join(root, 'bin'), { mode: 0o755 });
    await symlink('../demo-web', join(root, 'bin', 'hostname'));
  },
  runtime: { entrypoint: ['/demo-web'], exposedPorts: ['8080/tcp'], user: '65532:65532' },
};

export const COREDNS_VERSION = 'v1.12.1';

/**
 * The pinned CoreDNS of the toolchain (`npm run toolchain -- build coredns`), tagged like
 * registry.k8s.io/coredns/coredns. Runs as root: the binary carries no file capability here, and
 * binding port 53 needs NET_BIND_SERVICE (Kubernetes' CoreDNS deployment adds it).
 */
const coredns: BuiltinImage = {
  name: 'coredns',
  description: 'CoreDNS, the pinned build of the toolchain',
  tag: async () => COREDNS_VERSION,
  inputs: async () => [`coredns ${await fileHash(await verifiedBinary('coredns'))}`],
  async stage({ root }) {
    await copyFile(await verifiedBinary('coredns'), join(root, 'coredns'));
    await chmod(join(root, 'coredns'), 0o755);
  },
  runtime: { entrypoint: ['/coredns'], exposedPorts: ['53/tcp', '53/udp', '9153/tcp'] },
};

export const BUILTIN_IMAGES: readonly BuiltinImage[] = [pause, shell, demoWeb, coredns];

export function builtinImage(name: string): BuiltinImage {
  const image = BUILTIN_IMAGES.find((i) => i.name === name);
  if (!image) {
    throw new ImageError(
      ImageErrorCode.UnknownImage,
      `there is no built-in image ${JSON.stringify(name)}: the built-in images are ` +
        `${BUILTIN_IMAGES.map((i) => i.name).join(', ')} (your own image: npm run image -- push DIR-OR-TAR NAME:TAG)`,
    );
  }
  return image;
}
