import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { toPem } from '@gardener-ts/pki';

export interface SshKeyPair {
  /** `ssh-ed25519 <base64> <comment>\n`, as authorized_keys and tls_private_key write it */
  readonly publicKey: string;
  /** OpenSSH's own private-key format (PEM-armoured), unencrypted: a secret */
  readonly privateKey: string;
}

const KEY_TYPE = 'ssh-ed25519';
/** the PEM label of OpenSSH's key format (PROTOCOL.key) */
const OPENSSH_KEY_LABEL = ['OPENSSH', 'PRIVATE', 'KEY'].join(' ');

/** SSH wire encoding: a uint32 length before the bytes. */
function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/**
 * A new ED25519 key pair in OpenSSH's formats (PROTOCOL.key, "openssh-key-v1", no cipher), what
 * the local provider gets from tls_private_key, made here without a cloud or a tool.
 */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const publicBytes = Buffer.from(jwk.x ?? '', 'base64url');
  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(publicBytes)]);

  const check = randomBytes(4).readUInt32BE();
  const unpadded = Buffer.concat([
    uint32(check),
    uint32(check),
    sshString(KEY_TYPE),
    sshString(publicBytes),
    sshString(Buffer.concat([seed, publicBytes])),
    sshString(comment),
  ]);
  // pad with 1, 2, 3, … to the cipher block size (8 for "none")
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  return {
    publicKey: `${KEY_TYPE} ${publicBlob.toString('base64')} ${comment}\n`,
    privateKey: `${toPem(body, OPENSSH_KEY_LABEL)}\n`,
  };
}
