import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';
import { checkAddress, checkHost, checkHostKey, checkNodeName, checkUser, configPath } from './untrusted.js';

/** The bastion's alias in the ssh_config gardenctl writes. */
export const BASTION_HOST_ALIAS = 'gardenctl-bastion';

export interface BastionEndpoint {
  readonly ip: string;
  /** the SSH port, when not 22 (`--bastion-port`) */
  readonly port?: number;
  /** `<type> <base64> [comment]` lines; without any, the first connection learns the key */
  readonly hostKeys: readonly string[];
}

export interface NodeEndpoint {
  readonly name: string;
  readonly ip: string;
  readonly hostKeys: readonly string[];
}

interface HostEntry {
  readonly alias: string;
  readonly ip: string;
  readonly port?: number;
  readonly user: string;
  readonly identity: string;
  readonly hostKeys: readonly string[];
  readonly jump?: string;
}

export interface SshIdentities {
  /** the key the bastion accepts (given with --private-key-file, or made here) */
  readonly bastionKey: string;
  /** the shoot's own key, which the nodes accept */
  readonly nodeKey: string;
  readonly user: string;
}

/**
 * One `gardenctl ssh`'s files, in a directory of its own (0700) inside the shell session's: the
 * temporary key pair, the shoot's node key, known_hosts and an ssh_config whose node entries jump
 * through the bastion. Keys are 0600; remove() deletes all of it.
 */
export class SshWorkspace {
  private constructor(readonly dir: string) {}

  static create(sessionDir: string): SshWorkspace {
    const dir = mkdtempSync(join(sessionDir, 'ssh-'));
    chmodSync(dir, 0o700);
    return new SshWorkspace(dir);
  }

  get configFile(): string {
    return join(this.dir, 'ssh_config');
  }

  get knownHostsFile(): string {
    return join(this.dir, 'known_hosts');
  }

  /** A fresh ed25519 pair from ssh-keygen: its files and the public key line. */
  async generateKeyPair(): Promise<KeyPair> {
    const privateKey = join(this.dir, 'id_ed25519');
    await new Promise<void>((done, fail) => {
      execFile(
        'ssh-keygen',
        ['-q', '-t', 'ed25519', '-N', '', '-C', 'gardenctl', '-f', privateKey],
        (error) => (error ? fail(sshKeygenMissing(error)) : done()),
      );
    });
    const publicKeyFile = `${privateKey}.pub`;
    return { privateKey, publicKeyFile, publicKey: readFileSync(publicKeyFile, 'utf8').trim() };
  }

  /** Writes the shoot's private key (a secret: 0600, never printed). */
  writeNodeKey(privateKeyPem: string): string {
    const file = join(this.dir, 'node_id_ed25519');
    writeFileSync(file, privateKeyPem.endsWith('\n') ? privateKeyPem : `${privateKeyPem}\n`, { mode: 0o600 });
    return file;
  }

  /**
   * known_hosts with exactly the keys bastion and nodes published, and an ssh_config: the bastion
   * as `gardenctl-bastion`, each node under its name with ProxyJump through it. A host that
   * published no key is trusted on first use (accept-new) into this file only. Every value is
   * checked first (see untrusted.ts): one that is not what it claims leaves both files unwritten.
   */
  writeConfig(identities: SshIdentities, bastion: BastionEndpoint, nodes: readonly NodeEndpoint[]): void {
    const hosts = [
      {
        alias: BASTION_HOST_ALIAS,
        ip: checkHost(bastion.ip, 'the bastion'),
        ...(bastion.port && bastion.port !== 22 ? { port: bastion.port } : {}),
        user: 'gardener',
        identity: configPath(identities.bastionKey),
        hostKeys: bastion.hostKeys.map((key) => checkHostKey(key, 'the bastion')),
      },
      ...nodes.map((node) => {
        const alias = checkNodeName(node.name, [BASTION_HOST_ALIAS]);
        const source = `node "${alias}"`;
        return {
          alias,
          ip: checkAddress(node.ip, source),
          user: checkUser(identities.user),
          identity: configPath(identities.nodeKey),
          hostKeys: node.hostKeys.map((key) => checkHostKey(key, source)),
          jump: BASTION_HOST_ALIAS,
        };
      }),
    ];
    const knownHostsFile = configPath(this.knownHostsFile);
    // known_hosts names a host on another port than 22 as [host]:port, the way ssh looks it up
    const knownAs = (host: HostEntry) => (host.port ? `[${host.ip}]:${host.port}` : host.ip);
    const known = hosts.flatMap((host) => host.hostKeys.map((key) => `${knownAs(host)} ${key}\n`));
    const entry = (host: HostEntry) =>
      [
        `Host ${host.alias}`,
        `  HostName ${host.ip}`,
        ...(host.port ? [`  Port ${host.port}`] : []),
        `  User ${host.user}`,
        `  IdentityFile "${host.identity}"`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile "${knownHostsFile}"`,
        `  StrictHostKeyChecking ${host.hostKeys.length > 0 ? 'yes' : 'accept-new'}`,
        '  ServerAliveInterval 30',
        ...(host.jump ? [`  ProxyJump ${host.jump}`] : []),
        '',
      ].join('\n');
    writeFileSync(this.knownHostsFile, known.join(''), { mode: 0o600 });
    writeFileSync(this.configFile, hosts.map(entry).join('\n'), { mode: 0o600 });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The key pair the bastion accepts: the private key's file, the public key's file and its line. */
export interface KeyPair {
  readonly privateKey: string;
  readonly publicKeyFile: string;
  readonly publicKey: string;
}

/** `--public-key-file` / `--private-key-file`: both, or neither; the public key is read and checked. */
export function userKeyFiles(
  publicKeyFile: string | undefined,
  privateKeyFile: string | undefined,
  cwd: string,
): KeyPair | undefined {
  if (!publicKeyFile && !privateKeyFile) return undefined;
  if (!publicKeyFile || !privateKeyFile) {
    throw usageError(
      '--public-key-file and --private-key-file go together',
      'give both files of your key pair, or neither (gardenctl then makes a temporary one)',
    );
  }
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  const [publicPath, privatePath] = [absolute(publicKeyFile), absolute(privateKeyFile)];
  for (const [flag, path] of [
    ['public-key-file', publicPath],
    ['private-key-file', privatePath],
  ] as const) {
    if (!existsSync(path)) throw usageError(`--${flag}: ${path} does not exist`);
  }
  const publicKey = readFileSync(publicPath, 'utf8').trim();
  if (!/^(ssh-|ecdsa-|sk-)\S+ [A-Za-z0-9+/=]+/.test(publicKey)) {
    throw usageError(
      `--public-key-file: ${publicPath} holds no OpenSSH public key`,
      'e.g. ~/.ssh/id_ed25519.pub',
    );
  }
  return { privateKey: privatePath, publicKeyFile: publicPath, publicKey };
}

function sshKeygenMissing(error: Error): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.Ssh,
    `ssh-keygen could not make a key pair: ${error.message}`,
    'install OpenSSH (apt-get install openssh-client), or pass --public-key-file and --private-key-file',
  );
}
