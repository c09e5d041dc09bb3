// @peculiar/x509 resolves its ASN.1 serializers through tsyringe, which needs the Reflect metadata
// polyfill loaded first; Node's own WebCrypto is the provider (no native add-on needed).
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PkiError, PkiErrorCode } from './errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/**
 * ECDSA P-256 everywhere: etcd, kube-apiserver, the controller-manager's CSR signer and the
 * service-account token signer (ES256) all accept it, and a key takes well under a millisecond to
 * make (RSA-2048 takes ~50 ms, which adds up over a dozen certificates per shoot).
 */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export type KeyPair = webcrypto.CryptoKeyPair;

export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

/** PEM armour around DER (or any binary body) under a label such as `PUBLIC KEY`. */
export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  return x509.PemConverter.encode(der, label);
}

/** PKCS#8 PEM ("PRIVATE KEY"), which Go's crypto/tls, etcd and every Kubernetes component read. */
export async function privateKeyToPem(keys: KeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function publicKeyToPem(keys: KeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return x509.PemConverter.encode(der, 'PUBLIC KEY');
}

/** Reads a PEM private key (PKCS#8, SEC1 "EC PRIVATE KEY" or PKCS#1 are all accepted). */
export async function keyPairFromPem(pem: string): Promise<KeyPair> {
  let privateDer: Buffer;
  let publicDer: Buffer;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec') throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
    privateDer = key.export({ format: 'der', type: 'pkcs8' });
    publicDer = createPublicKey(key).export({ format: 'der', type: 'spki' });
  } catch (error) {
    throw new PkiError(PkiErrorCode.InvalidPem, `cannot read private key: ${(error as Error).message}`);
  }
  const subtle = webcrypto.subtle;
  const [privateKey, publicKey] = await Promise.all([
    subtle.importKey('pkcs8', privateDer, KEY_ALGORITHM, true, ['sign']),
    subtle.importKey('spki', publicDer, KEY_ALGORITHM, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** A positive 128-bit serial number, hex encoded (RFC 5280 allows up to 20 octets). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
