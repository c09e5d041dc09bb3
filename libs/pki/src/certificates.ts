import { isIP } from 'node:net';
import { generateKeyPair, keyPairFromPem, privateKeyToPem, randomSerial, x509 } from './crypto.js';
import { PkiError, PkiErrorCode } from './errors.js';

/** A certificate and its private key, both PEM. The unit every other part of the PKI passes around. */
export interface CertAndKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/** server: TLS serving; client: TLS client authentication; peer: both (etcd peers). */
export type CertUsage = 'server' | 'client' | 'peer';

const DAY = 86_400;
/** Back-date notBefore so that a client whose clock lags a little still accepts a fresh certificate. */
const CLOCK_SKEW_SECONDS = 300;

export interface CaOptions {
  readonly commonName: string;
  /** default 10 years */
  readonly validitySeconds?: number;
  readonly now?: Date;
}

export async function createCertificateAuthority(options: CaOptions): Promise<CertAndKey> {
  const keys = await generateKeyPair();
  const now = options.now ?? new Date();
  const name = new x509.Name([{ CN: [options.commonName] }]).toString();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore: new Date(now.getTime() - CLOCK_SKEW_SECONDS * 1000),
    notAfter: new Date(now.getTime() + (options.validitySeconds ?? 10 * 365 * DAY) * 1000),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys) };
}

export interface CertificateOptions {
  readonly commonName: string;
  /** become the user's groups when Kubernetes authenticates the certificate */
  readonly organizations?: readonly string[];
  readonly usage: CertUsage;
  /** subject alternative names; each entry may be a DNS name or an IPv4/IPv6 address */
  readonly hosts?: readonly string[];
  /** default 1 year; never beyond the CA's own expiry */
  readonly validitySeconds?: number;
  /** issue as if at this instant (tests, and back-dating by the caller); default now */
  readonly now?: Date;
}

export async function issueCertificate(ca: CertAndKey, options: CertificateOptions): Promise<CertAndKey> {
  if (!options.commonName) throw new PkiError(PkiErrorCode.InvalidArgument, 'commonName is required');
  const validity = options.validitySeconds ?? 365 * DAY;
  if (!(validity > 0)) throw new PkiError(PkiErrorCode.InvalidArgument, 'validitySeconds must be positive');
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKeys = await keyPairFromPem(ca.keyPem);
  const keys = await generateKeyPair();
  const now = options.now ?? new Date();
  const notAfter = new Date(Math.min(now.getTime() + validity * 1000, caCert.notAfter.getTime()));
  // Never before the CA's notBefore, never after notAfter (a 1-second certificate stays valid).
  const notBefore = new Date(
    Math.max(
      Math.min(now.getTime() - CLOCK_SKEW_SECONDS * 1000, notAfter.getTime()),
      caCert.notBefore.getTime(),
    ),
  );

  const subject: Record<string, string[]>[] = [];
  if (options.organizations?.length) subject.push({ O: [...options.organizations] });
  subject.push({ CN: [options.commonName] });

  const extendedUsages = {
    server: [x509.ExtendedKeyUsage.serverAuth],
    client: [x509.ExtendedKeyUsage.clientAuth],
    peer: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  }[options.usage];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(extendedUsages),
    await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const hosts = [...new Set(options.hosts ?? [])];
  if (hosts.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => ({ type: isIP(host) ? ('ip' as const) : ('dns' as const), value: host })),
      ),
    );
  }

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: new x509.Name(subject).toString(),
    issuer: caCert.subjectName.toString(),
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys) };
}

export interface CertificateInfo {
  readonly commonName: string;
  readonly organizations: string[];
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly isCA: boolean;
}

/** The facts of a PEM certificate that callers (and tests) look at. */
export function describeCertificate(certPem: string): CertificateInfo {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (error) {
    throw new PkiError(PkiErrorCode.InvalidPem, `cannot read certificate: ${(error as Error).message}`);
  }
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.toJSON() ?? [];
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    issuer: cert.issuerName.getField('CN')[0] ?? '',
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
  };
}
