import { isIP } from 'node:net';
import { GardenctlError, GardenctlErrorCode, usageError } from '../errors.js';

/**
 * What the garden API and the shoot's API hand gardenctl for ssh (bastion and node addresses, host
 * keys, node names) is written by others: a gardenlet, but also whoever has root on a node or is
 * admin of the shoot. Before any of it reaches ssh_config, known_hosts or ssh's command line it
 * must be exactly what it claims to be; anything else is refused, and nothing is written.
 */

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
/** POSIX portable user names (useradd's default rule), never an option */
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/i;
/** printable ASCII: no newline, carriage return, tab, NUL, escape sequence, or look-alike */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Where a value came from, for the error: e.g. `node "node-a"` or `bastion "cli-x"`. */
export type Source = string;

/** An IPv4 or IPv6 address, as written nowhere but a HostName line and known_hosts. */
export function checkAddress(value: unknown, source: Source): string {
  if (typeof value !== 'string' || isIP(value) === 0 || value.includes('%')) {
    throw refused(source, 'address', value, 'is not an IP address');
  }
  return value;
}

/** A bastion's address: its IP, else its DNS name (`status.ingress.ip` / `.hostname`). */
export function checkBastionAddress(ip: unknown, hostname: unknown, source: Source): string {
  if (ip !== undefined && ip !== '') return checkAddress(ip, source);
  if (!isDnsName(hostname)) throw refused(source, 'hostname', hostname, 'is not a DNS name');
  return hostname;
}

/** An IP address or a DNS name. */
export function checkHost(value: unknown, source: Source): string {
  if (isDnsName(value)) return value;
  return checkAddress(value, source);
}

/** a top-level label of digits only would make a mistyped IP (`10.0.0.256`) a name */
function isDnsName(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= 253 && DNS_NAME.test(value) && !/(^|\.)\d+$/.test(value)
  );
}

/**
 * A node's name, its Host alias in ssh_config and ssh's destination argument: a DNS name, and
 * none of the aliases gardenctl uses itself.
 */
export function checkNodeName(value: unknown, reserved: readonly string[] = []): string {
  if (typeof value !== 'string' || value.length > 253 || !DNS_NAME.test(value)) {
    throw refused('a node', 'name', value, 'is not a DNS name (lowercase letters, digits, "-" and ".")');
  }
  if (reserved.includes(value)) throw refused('a node', 'name', value, "is gardenctl's alias of the bastion");
  return value;
}

/**
 * One public host key, as `<type> <base64> [comment]` with single spaces: a known key type, base64
 * data that decodes to a key of that same type, and a comment of printable characters only.
 */
export function checkHostKey(value: unknown, source: Source): string {
  const problem = hostKeyProblem(value);
  if (problem) throw refused(source, 'SSH host key', value, problem);
  return (value as string).trim().split(/ +/).join(' ');
}

function hostKeyProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not text';
  if (!PRINTABLE.test(value)) return 'holds a line break or another control character';
  const [type = '', blob = ''] = value.trim().split(/ +/);
  if (type.startsWith('@')) return `starts with the known_hosts marker ${type}, which is no key`;
  if (!KEY_TYPES.has(type)) return `has the unknown key type "${type}"`;
  if (!BASE64.test(blob) || blob.length % 4 !== 0) return 'has key data that is not base64';
  const data = Buffer.from(blob, 'base64');
  const length = data.length >= 4 ? data.readUInt32BE(0) : -1;
  if (length <= 0 || data.subarray(4, 4 + length).toString('latin1') !== type)
    return `has key data that is not a ${type} key`;
  return undefined;
}

/** `--user`: the login name on the node. */
export function checkUser(user: string): string {
  if (!USER_NAME.test(user)) {
    throw usageError(
      `invalid value ${printable(user)} for flag --user`,
      'give a user name such as gardener (letters, digits, "_", "." and "-")',
    );
  }
  return user;
}

/**
 * A local file's path inside a quoted ssh_config value: no quote or control character (it would end
 * the value), and `%` doubled (ssh expands `%` tokens there).
 */
export function configPath(path: string): string {
  if (!PRINTABLE.test(path) || path.includes('"')) {
    throw usageError(
      `the path ${printable(path)} cannot be written into an ssh_config`,
      'use a path without quotes, line breaks or other control characters',
    );
  }
  return path.replaceAll('%', '%%');
}

/** A value made safe to show on a terminal: quoted, control and non-ASCII characters escaped, shortened. */
export function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(shown).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function refused(source: Source, what: string, value: unknown, problem: string): GardenctlError {
  return new GardenctlError(
    GardenctlErrorCode.Ssh,
    `refusing the ${what} of ${source}: ${printable(value)} ${problem}`,
    'gardenctl wrote no ssh configuration; whoever can change that object (root on the node, or an admin of the shoot) ' +
      'may be trying to attack your ssh client: ask your project admin to look into it',
  );
}
