import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, describeCertificate, issueCertificate } from '@gardener-ts/pki';
import type { ApiConfig } from '../config.js';

export interface ServingTls {
  certPem: string;
  keyPem: string;
  /** The CA clients trust (for the kubeconfig); the certificate itself when operator-supplied. */
  caPem: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Plain HTTP only where nobody else can listen in: a loopback address. */
export function usesTls(config: ApiConfig): boolean {
  if (config.tls === 'on') return true;
  if (config.tls === 'off') {
    if (!isLoopback(config.host))
      throw new Error(`GARDENER_TLS=off is allowed only on a loopback address, not HOST=${config.host}`);
    return false;
  }
  return !isLoopback(config.host);
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
}

function sans(config: ApiConfig): string[] {
  const names = ['localhost', '127.0.0.1', hostname(), ...config.tlsSans];
  if (config.host !== '0.0.0.0' && config.host !== '::') names.push(config.host);
  if (config.publicUrl) names.push(new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, ''));
  return [...new Set(names)];
}

/**
 * The serving certificate: the operator's, or one issued by the garden's own CA, both made at first
 * start under the data dir (keys mode 0600). A certificate missing a wanted name is re-issued.
 */
export async function ensureServingTls(config: ApiConfig): Promise<ServingTls> {
  if (config.tlsCertFile || config.tlsKeyFile) {
    if (!config.tlsCertFile || !config.tlsKeyFile)
      throw new Error('GARDENER_TLS_CERT_FILE and GARDENER_TLS_KEY_FILE go together');
    const certPem = readFileSync(config.tlsCertFile, 'utf8');
    const caPem = config.tlsCaFile ? readFileSync(config.tlsCaFile, 'utf8') : certPem;
    return { certPem, keyPem: readFileSync(config.tlsKeyFile, 'utf8'), caPem };
  }
  const dir = join(config.dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFiles = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  if (!existsSync(caFiles.cert) || !existsSync(caFiles.key)) {
    const ca = await createCertificateAuthority({ commonName: 'gardener-ts garden CA' });
    writePrivate(caFiles.key, ca.keyPem);
    writeFileSync(caFiles.cert, ca.certPem, { mode: 0o644 });
  }
  const ca = { certPem: readFileSync(caFiles.cert, 'utf8'), keyPem: readFileSync(caFiles.key, 'utf8') };
  const files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  const wanted = sans(config);
  if (existsSync(files.cert) && existsSync(files.key)) {
    const current = { certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
    const info = describeCertificate(current.certPem);
    const fresh = info.notAfter.getTime() - Date.now() > 30 * 86_400_000;
    const has = new Set([...info.dnsNames, ...info.ipAddresses]);
    if (fresh && wanted.every((name) => has.has(name))) return { ...current, caPem: ca.certPem };
  }
  const leaf = await issueCertificate(ca, { commonName: 'gardener-api', usage: 'server', hosts: wanted });
  writePrivate(files.key, leaf.keyPem);
  writeFileSync(files.cert, leaf.certPem, { mode: 0o644 });
  return { ...leaf, caPem: ca.certPem };
}
