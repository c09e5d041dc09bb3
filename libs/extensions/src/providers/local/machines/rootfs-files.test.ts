// The host's access to a container's disk, played as root inside would: links to host secrets in
// the place of a file or a parent directory, FIFOs, devices, huge files, keys that are not keys.
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { publicHostKeyOf, readPublicHostKey } from './host-keys.js';
import { readHostKeys } from './machine-files.js';
import {
  ensureRootfsDir,
  RootfsFileError,
  RootfsFileErrorCode,
  readRootfsFile,
  writeRootfsFile,
} from './rootfs-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'gts-rootfs-files-'));
/** what stands for the host's own files: the garden's admin token, /etc/shadow */
const hostDir = join(scratch, 'host');
const secret = join(hostDir, 'admin.token');
const SECRET = 'garden-admin-token-do-not-publish';
let rootfs: string;
let count = 0;

const keygen = (name: string, type = 'ed25519') => {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'root@m', '-f', join(scratch, name)]);
  return readFileSync(join(scratch, `${name}.pub`), 'utf8');
};
const ed25519 = keygen('ed');
const ecdsa = keygen('ec', 'ecdsa');

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => (error instanceof RootfsFileError ? error.code : error),
  );

/** a path inside the rootfs, its parents made */
function inRoot(path: string): string {
  const full = join(rootfs, path);
  mkdirSync(join(full, '..'), { recursive: true });
  return full;
}

beforeEach(() => {
  rmSync(hostDir, { recursive: true, force: true });
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(secret, `${SECRET}\n`, { mode: 0o600 });
  rootfs = join(scratch, `rootfs-${++count}`);
  mkdirSync(rootfs);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('reading a file from a container disk', () => {
  it('reads a regular file; a missing file or parent is undefined', async () => {
    writeFileSync(inRoot('etc/hostname'), 'node-a\n');
    expect(await readRootfsFile(rootfs, '/etc/hostname')).toBe('node-a\n');
    expect(await readRootfsFile(rootfs, '/etc/missing')).toBeUndefined();
    expect(await readRootfsFile(rootfs, '/nothere/at/all')).toBeUndefined();
  });

  it('refuses a link in the place of the file, absolute or relative, and never returns its target', async () => {
    symlinkSync(secret, inRoot('etc/ssh/gardener-ts/ssh_host_ed25519_key.pub'));
    symlinkSync('../../../../host/admin.token', inRoot('etc/ssh/gardener-ts/ssh_host_ecdsa_key.pub'));
    for (const name of ['ed25519', 'ecdsa']) {
      const read = await codeOf(readRootfsFile(rootfs, `/etc/ssh/gardener-ts/ssh_host_${name}_key.pub`));
      expect(read).toBe(RootfsFileErrorCode.Link);
    }
    expect(await readHostKeys(rootfs)).toEqual([]);
  });

  it('refuses a link in the place of any parent directory', async () => {
    writeFileSync(join(hostDir, 'ssh_host_ed25519_key.pub'), ed25519);
    symlinkSync(hostDir, inRoot('etc/ssh/gardener-ts'));
    expect(await codeOf(readRootfsFile(rootfs, '/etc/ssh/gardener-ts/ssh_host_ed25519_key.pub'))).toBe(
      RootfsFileErrorCode.Link,
    );
    rmSync(join(rootfs, 'etc'), { recursive: true });
    symlinkSync(hostDir, join(rootfs, 'etc'));
    expect(await codeOf(readRootfsFile(rootfs, '/etc/admin.token'))).toBe(RootfsFileErrorCode.Link);
    expect(await readHostKeys(rootfs)).toEqual([]);
  });

  it('refuses a FIFO (without blocking), a device, a socket and a directory', async () => {
    execFileSync('mkfifo', [inRoot('etc/fifo')]);
    execFileSync('mknod', [inRoot('etc/null'), 'c', '1', '3']);
    execFileSync('mknod', [inRoot('etc/whiteout'), 'c', '0', '0']);
    mkdirSync(inRoot('etc/dir'));
    execFileSync('python3', [
      '-c',
      `import socket; socket.socket(socket.AF_UNIX).bind('${inRoot('etc/sock')}')`,
    ]);
    for (const name of ['fifo', 'null', 'whiteout', 'dir', 'sock']) {
      expect(await codeOf(readRootfsFile(rootfs, `/etc/${name}`)), name).toBe(RootfsFileErrorCode.NotRegular);
    }
    writeFileSync(inRoot('etc/file'), 'x');
    expect(await codeOf(readRootfsFile(rootfs, '/etc/file/below'))).toBe(RootfsFileErrorCode.NotRegular);
  });

  it('refuses a file larger than the bound, sparse or not', async () => {
    writeFileSync(inRoot('big'), 'x'.repeat(16 * 1024 + 1));
    writeFileSync(inRoot('sparse'), '');
    truncateSync(join(rootfs, 'sparse'), 10 * 1024 ** 3);
    for (const name of ['big', 'sparse'])
      expect(await codeOf(readRootfsFile(rootfs, name))).toBe(RootfsFileErrorCode.TooLarge);
    expect(await codeOf(readRootfsFile(rootfs, 'big', 32 * 1024))).toMatchObject({
      value: expect.any(String),
    });
  });

  it('refuses paths that leave the root', async () => {
    for (const path of ['../host/admin.token', 'etc/../../host/admin.token', 'etc//x', 'etc/./x']) {
      expect(await codeOf(readRootfsFile(rootfs, path))).toBe(RootfsFileErrorCode.BadPath);
    }
  });
});

describe('host keys published from a container disk', () => {
  const dir = 'etc/ssh/gardener-ts';

  it('publishes valid keys as `<type> <base64> [comment]`, a comment of more than one word left out', async () => {
    writeFileSync(inRoot(`${dir}/ssh_host_ed25519_key.pub`), ed25519);
    writeFileSync(inRoot(`${dir}/ssh_host_ecdsa_key.pub`), ecdsa);
    const keys = await readHostKeys(rootfs);
    expect(keys).toEqual([ed25519.trim(), ecdsa.trim()]);
    writeFileSync(
      inRoot(`${dir}/ssh_host_ed25519_key.pub`),
      ed25519.replace('root@m', 'root@m ProxyCommand x'),
    );
    expect(await readHostKeys(rootfs)).toEqual([ed25519.split(' ').slice(0, 2).join(' '), ecdsa.trim()]);
  });

  it('leaves out what is not one valid key of a known type', async () => {
    const [type, blob] = ed25519.trim().split(' ');
    const bad = [
      `${SECRET}\n`,
      `${ed25519}${ed25519}`,
      `${type} ${blob} root@m\n@cert-authority * ${ed25519}`,
      `@cert-authority * ${ed25519}`,
      `${type} ${blob} root\r@m`,
      `${type} ${blob} \u001b[2Jroot`,
      `ssh-foo ${blob}`,
      `${type} not*base64`,
      `ssh-rsa ${blob}`,
      `${type} ${blob?.slice(0, 20)}`,
      '',
    ];
    for (const text of bad) {
      expect(publicHostKeyOf(text), JSON.stringify(text)).toBeUndefined();
      writeFileSync(inRoot(`${dir}/ssh_host_ed25519_key.pub`), text);
      expect(await readPublicHostKey(rootfs, `${dir}/ssh_host_ed25519_key.pub`)).toBeUndefined();
    }
    expect(await readHostKeys(rootfs)).toEqual([]);
  });
});

describe('writing a file into a container disk', () => {
  it('makes parents and sets the exact mode', async () => {
    await writeRootfsFile(rootfs, '/etc/gardener-node/bootstrap-kubeconfig', 'token', 0o600);
    const path = join(rootfs, 'etc/gardener-node/bootstrap-kubeconfig');
    expect(readFileSync(path, 'utf8')).toBe('token');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeRootfsFile(rootfs, '/etc/gardener-node/bootstrap-kubeconfig', 'again', 0o644);
    expect(readFileSync(path, 'utf8')).toBe('again');
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('replaces a link in the place of the file, leaving its target alone', async () => {
    symlinkSync(secret, inRoot('etc/hosts'));
    await writeRootfsFile(rootfs, '/etc/hosts', '127.0.0.1 localhost\n', 0o644);
    expect(readFileSync(secret, 'utf8')).toBe(`${SECRET}\n`);
    expect(lstatSync(join(rootfs, 'etc/hosts')).isFile()).toBe(true);
    expect(readFileSync(join(rootfs, 'etc/hosts'), 'utf8')).toBe('127.0.0.1 localhost\n');
  });

  it('refuses a link in the place of a parent directory, writing nothing there', async () => {
    symlinkSync(hostDir, inRoot('etc/ssh'));
    const write = writeRootfsFile(rootfs, '/etc/ssh/sshd_config.d/x.conf', 'PermitRootLogin yes\n', 0o644);
    expect(await codeOf(write)).toBe(RootfsFileErrorCode.Link);
    const made = ensureRootfsDir(rootfs, '/etc/ssh/authorized_keys', 0o755);
    expect(await codeOf(made)).toBe(RootfsFileErrorCode.Link);
    symlinkSync(hostDir, inRoot('var/lib/agent'));
    expect(await codeOf(ensureRootfsDir(rootfs, '/var/lib/agent', 0o700))).toBe(RootfsFileErrorCode.Link);
    expect(execFileSync('ls', ['-A', hostDir], { encoding: 'utf8' })).toBe('admin.token\n');
    expect(statSync(hostDir).mode & 0o777).toBe(0o755);
  });

  it("gives a file and the directories it makes to the owner (a machine's root), keeping existing parents", async () => {
    const owner = 100_000;
    await writeRootfsFile(rootfs, '/opt/fresh/dir/file', 'x', 0o600, owner);
    for (const path of ['opt/fresh', 'opt/fresh/dir', 'opt/fresh/dir/file']) {
      expect(statSync(join(rootfs, path)).uid, path).toBe(owner);
      expect(statSync(join(rootfs, path)).gid, path).toBe(owner);
    }
    expect(statSync(join(rootfs, 'opt/fresh/dir/file')).mode & 0o777).toBe(0o600);
    expect(statSync(rootfs).uid).toBe(0);
  });

  it('makes a directory with its mode, and sets it on one that exists', async () => {
    await ensureRootfsDir(rootfs, '/etc/gardener-node', 0o700);
    expect(statSync(join(rootfs, 'etc/gardener-node')).mode & 0o777).toBe(0o700);
    mkdirSync(inRoot('var/lib/x'), { mode: 0o777 });
    await ensureRootfsDir(rootfs, '/var/lib/x', 0o700);
    expect(statSync(join(rootfs, 'var/lib/x')).mode & 0o777).toBe(0o700);
  });
});
