// What the API hands gardenctl for ssh, played as a hostile node or shoot admin would write it:
// nothing of it may reach ssh_config or known_hosts unless it is exactly an address, a DNS name
// or one host key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { nodeEndpoint } from './nodes.js';
import { checkBastionAddress, checkHostKey, checkUser } from './untrusted.js';
import { SshWorkspace } from './workspace.js';

const dir = mkdtempSync(join(tmpdir(), 'gts-untrusted-'));
const keyOf = (name: string, type = 'ed25519') => {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `root@${name}`, '-f', join(dir, name)]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
};
const nodeKey = keyOf('node');
const ecdsaKey = keyOf('ecdsa', 'ecdsa');
const [TYPE, BLOB] = nodeKey.split(' ') as [string, string];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const identities = { bastionKey: join(dir, 'id'), nodeKey: join(dir, 'node_id'), user: 'gardener' };
const bastion = { ip: '10.249.5.10', hostKeys: [ecdsaKey] };
const node = { name: 'node-a', ip: '10.249.5.2', hostKeys: [nodeKey] };

/** the error writeConfig throws, and whether it wrote either file */
function attempt(change: { bastion?: object; node?: object; user?: string }) {
  const workspace = SshWorkspace.create(dir);
  try {
    workspace.writeConfig(
      { ...identities, ...(change.user !== undefined ? { user: change.user } : {}) },
      { ...bastion, ...change.bastion },
      [{ ...node, ...change.node }],
    );
    return { error: undefined, written: true };
  } catch (error) {
    return {
      error: error as GardenctlError,
      written: existsSync(workspace.configFile) || existsSync(workspace.knownHostsFile),
    };
  } finally {
    workspace.remove();
  }
}

const ADDRESSES = [
  '10.249.5.2\nProxyCommand touch /tmp/pwned',
  '10.249.5.2 ProxyCommand=touch',
  '10.249.5.2\r',
  ' 10.249.5.2',
  '10.249.5.256',
  '%h',
  'fe80::1%eth0',
  'node-a.example.com',
  '-oProxyCommand=touch',
  '',
  42,
];

const HOST_KEYS = [
  `${nodeKey}\n@cert-authority * ${nodeKey}`,
  `${nodeKey}\n10.249.5.3 ${nodeKey}`,
  `@cert-authority * ${nodeKey}`,
  `@revoked * ${nodeKey}`,
  `${TYPE} ${BLOB} root\r@node`,
  `${TYPE} ${BLOB} \u001b]0;pwned\u0007`,
  `${TYPE}\t${BLOB}`,
  `ssh-foo ${BLOB}`,
  `ssh-dss ${BLOB}`,
  `${TYPE} ${BLOB.slice(0, -1)}*`,
  `${TYPE} ${BLOB.slice(0, -2)}`,
  `ecdsa-sha2-nistp256 ${BLOB}`,
  TYPE,
  '',
  { key: nodeKey },
];

describe('ssh configuration from untrusted values', () => {
  it('writes valid addresses, host names and keys (comments kept, spaces made single)', () => {
    const workspace = SshWorkspace.create(dir);
    workspace.writeConfig(identities, { ip: 'bastion.example.com', hostKeys: [`${ecdsaKey}  extra`] }, [
      { ...node, ip: 'fd00::5' },
    ]);
    expect(readFileSync(workspace.knownHostsFile, 'utf8')).toBe(
      `bastion.example.com ${ecdsaKey} extra\nfd00::5 ${nodeKey}\n`,
    );
    expect(readFileSync(workspace.configFile, 'utf8')).toContain('Host node-a\n  HostName fd00::5\n');
    workspace.remove();
  });

  it('refuses a node address that is not an IP, and writes nothing', () => {
    for (const ip of ADDRESSES) {
      const { error, written } = attempt({ node: { ip } });
      expect(error, JSON.stringify(ip)).toBeInstanceOf(GardenctlError);
      expect(error?.code).toBe(GardenctlErrorCode.Ssh);
      expect(error?.message).toMatch(/^refusing the address of node "node-a": .* is not an IP address$/);
      expect(error?.message).not.toMatch(/[\n\r]/);
      expect(error?.hint).toContain('wrote no ssh configuration');
      expect(written).toBe(false);
    }
  });

  it('refuses a bastion address that is neither an IP nor a DNS name', () => {
    for (const ip of ADDRESSES.filter((ip) => ip !== 'node-a.example.com')) {
      const { error, written } = attempt({ bastion: { ip } });
      expect(error?.message, JSON.stringify(ip)).toMatch(/^refusing the address of the bastion: /);
      expect(written).toBe(false);
    }
    for (const [ip, hostname] of [
      ['1.2.3.4\nProxyCommand x', undefined],
      [undefined, 'bastion.example.com\nProxyCommand x'],
      [undefined, '-oProxyCommand=x'],
      [undefined, 'a b'],
      ['', '%h.example.com'],
    ]) {
      expect(() => checkBastionAddress(ip, hostname, 'bastion "cli-x"'), `${ip} ${hostname}`).toThrow(
        /^refusing the (address|hostname) of bastion "cli-x"/,
      );
    }
    expect(checkBastionAddress(undefined, 'lb.example.com', 'b')).toBe('lb.example.com');
  });

  it('refuses host keys with line breaks, markers, bad base64 or unknown types, for nodes and bastions', () => {
    for (const key of HOST_KEYS) {
      for (const change of [{ node: { hostKeys: [key] } }, { bastion: { hostKeys: [nodeKey, key] } }]) {
        const { error, written } = attempt(change);
        expect(error?.message, JSON.stringify(change)).toMatch(
          /^refusing the SSH host key of (node "node-a"|the bastion): /,
        );
        expect(written).toBe(false);
      }
    }
    expect(() => checkHostKey(`@cert-authority * ${nodeKey}`, 'node "x"')).toThrow(
      'starts with the known_hosts marker @cert-authority, which is no key',
    );
    expect(() => checkHostKey(`${nodeKey}\n@cert-authority * ${nodeKey}`, 'node "x"')).toThrow(
      'holds a line break or another control character',
    );
    expect(() => checkHostKey(`ssh-foo ${BLOB}`, 'node "x"')).toThrow('has the unknown key type "ssh-foo"');
    expect(() => checkHostKey(`${TYPE} ${BLOB.slice(0, -1)}*`, 'node "x"')).toThrow('is not base64');
    expect(() => checkHostKey(`ecdsa-sha2-nistp256 ${BLOB}`, 'node "x"')).toThrow(
      'not a ecdsa-sha2-nistp256 key',
    );
  });

  it('refuses node names that are options, patterns or the bastion alias', () => {
    for (const name of [
      '-oProxyCommand=touch /tmp/pwned',
      '-oProxyCommand=touch',
      'node-a\nHost *',
      'node *',
      '*',
      'node-a,node-b',
      '!node-a',
      'gardenctl-bastion',
      'Node-A',
      '',
    ]) {
      const { error, written } = attempt({ node: { name } });
      expect(error?.message, JSON.stringify(name)).toMatch(/^refusing the name of a node: /);
      expect(written).toBe(false);
      expect(() => nodeEndpoint({ ...node, name })).toThrow(/^refusing the name of a node: /);
    }
  });

  it('checks a node from the API as a whole before anything is made', () => {
    expect(nodeEndpoint(node)).toEqual(node);
    expect(() => nodeEndpoint({ ...node, ip: '10.249.5.2\nProxyJump evil' })).toThrow(
      'refusing the address of node "node-a": "10.249.5.2\\nProxyJump evil" is not an IP address',
    );
    expect(() => nodeEndpoint({ ...node, hostKeys: [nodeKey, `@cert-authority * ${nodeKey}`] })).toThrow(
      /^refusing the SSH host key of node "node-a"/,
    );
  });

  it('refuses user names that are options or break the configuration (a usage error)', () => {
    for (const user of ['-oProxyCommand=x', 'root\nProxyCommand x', 'a b', '%u', '']) {
      expect(() => checkUser(user), user).toThrow(/invalid value .* for flag --user/);
      const { error, written } = attempt({ user });
      expect(error?.code).toBe(GardenctlErrorCode.Usage);
      expect(written).toBe(false);
    }
    expect(checkUser('gardener')).toBe('gardener');
  });

  it('refuses key file paths that would end their quoted value, and doubles % tokens', () => {
    const workspace = SshWorkspace.create(dir);
    expect(() =>
      workspace.writeConfig({ ...identities, nodeKey: '/tmp/a"\nProxyCommand x' }, bastion, [node]),
    ).toThrow(/cannot be written into an ssh_config/);
    expect(existsSync(workspace.configFile)).toBe(false);
    workspace.writeConfig({ ...identities, nodeKey: '/tmp/100%d' }, bastion, [node]);
    expect(readFileSync(workspace.configFile, 'utf8')).toContain('IdentityFile "/tmp/100%%d"');
    workspace.remove();
  });
});
