import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { ImageError, ImageErrorCode } from './errors.js';

/** A gzip-compressed layer file and the two digests an OCI image needs. */
export interface Layer {
  readonly file: string;
  /** sha256 of the compressed file: the blob digest in the manifest */
  readonly digest: string;
  readonly size: number;
  /** sha256 of the uncompressed tar: the diff_id in the image config */
  readonly diffId: string;
}

export interface DirectoryLayerOptions {
  /**
   * Built-in images: every entry owned by 0:0 with mtime 0, so the same files give the same bytes
   * whoever builds them and whenever. Off for a user's rootfs, whose owners and times are its own.
   */
  readonly normalize: boolean;
}

function hashing(hash: ReturnType<typeof createHash>, count?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      if (count) count.bytes += chunk.length;
      callback(null, chunk);
    },
  });
}

/** Compresses an uncompressed tar stream into `out`, hashing it before and after compression. */
async function writeLayer(tar: NodeJS.ReadableStream, out: string): Promise<Layer> {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const size = { bytes: 0 };
  // a fixed level and gzip's zero mtime: the same tar always compresses to the same bytes (same zlib)
  await pipeline(tar, hashing(diff), createGzip({ level: 6 }), hashing(blob, size), createWriteStream(out));
  return {
    file: out,
    digest: `sha256:${blob.digest('hex')}`,
    size: size.bytes,
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

/**
 * Packs a directory into a layer with GNU tar (spawned with an argument array; entry names are
 * handed over NUL-separated on stdin, so no name is ever read as an option). Entries are sorted by
 * name and have no atime/ctime, so the result depends only on the files.
 */
export async function layerFromDirectory(
  dir: string,
  out: string,
  options: DirectoryLayerOptions,
): Promise<Layer> {
  const entries = (await readdir(dir)).sort();
  const args = [
    '--create',
    '--file=-',
    `--directory=${dir}`,
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--sort=name',
    '--numeric-owner',
    ...(options.normalize ? ['--owner=0', '--group=0', '--mtime=@0'] : []),
    '--null',
    '--verbatim-files-from',
    '--files-from=-',
  ];
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<void>((resolvePromise, reject) => {
    child.on('error', (error) =>
      reject(
        new ImageError(
          ImageErrorCode.PrerequisiteMissing,
          `cannot run GNU tar (${error.message}): install it with apt-get install tar`,
        ),
      ),
    );
    child.on('close', (status) => {
      if (status === 0) resolvePromise();
      else
        reject(
          new ImageError(
            ImageErrorCode.BadInput,
            `tar could not pack ${dir} (exit ${status}): ${Buffer.concat(stderr).toString().trim()}`,
          ),
        );
    });
  });
  child.stdin.end(entries.map((e) => `${e}\0`).join(''));
  const [layer] = await Promise.all([writeLayer(child.stdout, out), exited]);
  return layer;
}

/** Takes a rootfs tar (plain or gzip-compressed) as one layer, as it is. */
export async function layerFromTar(file: string, out: string): Promise<Layer> {
  const magic = Buffer.alloc(2);
  const handle = await open(file, 'r');
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
  const source = createReadStream(file);
  const tar = gzipped ? source.pipe(createGunzip()) : source.pipe(new PassThrough());
  source.on('error', (error) => tar.destroy(error));
  return writeLayer(tar, out);
}
