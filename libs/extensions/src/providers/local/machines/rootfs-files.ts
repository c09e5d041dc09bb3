import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { CodedError } from '@gardener-ts/api/coded-error';

/**
 * Files inside a machine's or bastion's root filesystem, as the host reads and writes them. Root
 * inside the container controls everything under that root, so no symbolic link there is ever
 * followed (neither the file's nor any parent directory's: each step is opened relative to the
 * directory before it, through /proc/self/fd, as openat(2) would), only regular files are read,
 * and only up to a bound. Writes replace the file by rename(2), which replaces a link rather than
 * following it.
 */

/** Why a path inside a root filesystem was refused. */
export enum RootfsFileErrorCode {
  /** a component of the path is a symbolic link */
  Link = 'Link',
  /** a parent is not a directory, or the file is not a regular file (FIFO, device, socket, directory) */
  NotRegular = 'NotRegular',
  TooLarge = 'TooLarge',
  /** the path is not a plain relative path (`..`, `.`, empty components) */
  BadPath = 'BadPath',
}

export class RootfsFileError extends CodedError<RootfsFileErrorCode> {
  constructor(
    code: RootfsFileErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(code, `${path} inside the container's root filesystem ${detail}: refused`);
  }
}

/** what the host reads from a container's disk is small: keys, configuration */
export const DEFAULT_MAX_BYTES = 16 * 1024;

/** open(2)'s O_PATH (Linux, every architecture Node runs on): an fd that names the inode without opening it */
const O_PATH = 0o10000000;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NOCTTY } = constants;

const viaFd = (handle: FileHandle, name?: string) =>
  name === undefined ? `/proc/self/fd/${handle.fd}` : `/proc/self/fd/${handle.fd}/${name}`;

/**
 * The file's content, or undefined when it (or a parent directory) does not exist. Throws
 * RootfsFileError for a link, anything but a regular file, or more than `maxBytes`.
 */
export async function readRootfsFile(
  root: string,
  path: string,
  maxBytes = DEFAULT_MAX_BYTES,
): Promise<string | undefined> {
  const { parents, name } = splitPath(path);
  const dir = await openParents(root, parents, path, undefined);
  if (!dir) return undefined;
  try {
    // O_PATH opens no device and blocks on no FIFO; fstat then tells what the name held
    const pinned = await openOrMissing(viaFd(dir, name), O_PATH | O_NOFOLLOW, path);
    if (!pinned) return undefined;
    try {
      return await readPinned(pinned, path, maxBytes);
    } finally {
      await pinned.close();
    }
  } finally {
    await dir.close();
  }
}

/**
 * Writes `content` with exactly `mode`, making missing parent directories (0755). The file and
 * the directories it makes belong to `owner` (uid and gid on the host: a machine's root is not 0).
 */
export async function writeRootfsFile(
  root: string,
  path: string,
  content: string,
  mode: number,
  owner = 0,
): Promise<void> {
  const { parents, name } = splitPath(path);
  const dir = await openParents(root, parents, path, owner);
  if (!dir) throw new Error(`${path}: parent directory vanished`);
  const temporary = `.gardener-ts-${randomBytes(6).toString('hex')}`;
  try {
    const file = await open(viaFd(dir, temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      await file.writeFile(content);
      await file.chown(owner, owner);
      // the umask narrowed the mode at creation (and chown clears set-id bits)
      await file.chmod(mode);
    } finally {
      await file.close();
    }
    await rename(viaFd(dir, temporary), viaFd(dir, name));
  } catch (error) {
    await rm(viaFd(dir, temporary), { force: true });
    throw error;
  } finally {
    await dir.close();
  }
}

/** Makes a directory (and missing parents, 0755), and sets its mode and owner, without following a link. */
export async function ensureRootfsDir(root: string, path: string, mode: number, owner = 0): Promise<void> {
  const dir = await openParents(root, splitPath(path, true).parents, path, owner);
  if (!dir) throw new Error(`${path}: vanished`);
  try {
    await dir.chown(owner, owner);
    await dir.chmod(mode);
  } finally {
    await dir.close();
  }
}

async function readPinned(pinned: FileHandle, path: string, maxBytes: number): Promise<string> {
  const stat = await pinned.stat();
  if (stat.isSymbolicLink()) throw new RootfsFileError(RootfsFileErrorCode.Link, path, 'is a symbolic link');
  if (!stat.isFile())
    throw new RootfsFileError(RootfsFileErrorCode.NotRegular, path, 'is not a regular file');
  if (stat.size > maxBytes)
    throw new RootfsFileError(RootfsFileErrorCode.TooLarge, path, `is larger than ${maxBytes} bytes`);
  // reopening the pinned inode through its fd opens that same regular file, whatever the name holds now
  const file = await open(viaFd(pinned), O_RDONLY | O_NOCTTY);
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes)
        throw new RootfsFileError(RootfsFileErrorCode.TooLarge, path, `is larger than ${maxBytes} bytes`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await file.close();
  }
}

/**
 * Opens `root`, then each parent in turn relative to the one before (no link followed); with
 * `create`, makes missing ones. Undefined when one is missing and `create` is false.
 */
async function openParents(
  root: string,
  parents: readonly string[],
  path: string,
  /** creates missing directories, owned by this id; undefined: only opens */
  createAs: number | undefined,
): Promise<FileHandle | undefined> {
  let dir = await openDirectory(root, path, undefined);
  for (const part of parents) {
    if (!dir) return undefined;
    const parent: FileHandle = dir;
    try {
      dir = await openDirectory(viaFd(parent, part), path, createAs);
    } finally {
      await parent.close();
    }
  }
  return dir;
}

async function openDirectory(
  path: string,
  what: string,
  createAs: number | undefined,
): Promise<FileHandle | undefined> {
  const flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
  const existing = await openOrMissing(path, flags, what);
  if (existing || createAs === undefined) return existing;
  // mkdir(2) never follows a link in its last component: a link planted meanwhile makes it fail
  const created = await mkdir(path, { mode: 0o755 }).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  const dir = await openOrMissing(path, flags, what);
  if (created) await dir?.chown(createAs, createAs);
  return dir;
}

async function openOrMissing(path: string, flags: number, what: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // O_DIRECTORY with O_NOFOLLOW answers a link with ENOTDIR; lstat tells the two apart for the message
    if (code === 'ELOOP' || (code === 'ENOTDIR' && (await isLink(path))))
      throw new RootfsFileError(RootfsFileErrorCode.Link, what, 'is or passes a symbolic link');
    if (code === 'ENOTDIR')
      throw new RootfsFileError(
        RootfsFileErrorCode.NotRegular,
        what,
        'passes something that is not a directory',
      );
    throw error;
  }
}

function isLink(path: string): Promise<boolean> {
  return lstat(path).then(
    (stat) => stat.isSymbolicLink(),
    () => false,
  );
}

function splitPath(path: string, directory = false): { parents: string[]; name: string } {
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new RootfsFileError(RootfsFileErrorCode.BadPath, path, 'is not a plain path');
  }
  if (directory) return { parents: parts, name: '' };
  const name = parts.pop() ?? '';
  return { parents: parts, name };
}
