import { generateKeyPairSync } from 'node:crypto';

/** A fresh ed25519 public key in OpenSSH's one-line format, as a bastion's `spec.sshPublicKey` takes it. */
export function sshKey(): string {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const part = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return `ssh-ed25519 ${Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]).toString('base64')}`;
}
