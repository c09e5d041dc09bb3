import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CertAndKey,
  type CertificateOptions,
  createCertificateAuthority,
  issueCertificate,
} from './certificates.js';
import { generateKeyPair, privateKeyToPem, publicKeyToPem } from './crypto.js';
import { PkiError, PkiErrorCode } from './errors.js';
import { ADMIN_GROUP } from './kubeconfig.js';

/** Every certificate authority of one control plane. Created once, never replaced by a redeploy. */
export const CA_NAMES = ['ca', 'etcd-ca', 'front-proxy-ca'] as const;
export type CaName = (typeof CA_NAMES)[number];

/** Every leaf certificate of one control plane; the name is also its file name (<name>.crt/.key). */
export const LEAF_NAMES = [
  'apiserver',
  'apiserver-etcd-client',
  'apiserver-kubelet-client',
  'front-proxy-client',
  'etcd-server',
  'etcd-peer',
  'admin',
  'kube-controller-manager',
  'kube-controller-manager-server',
  'kube-scheduler',
  'kube-scheduler-server',
] as const;
export type LeafName = (typeof LEAF_NAMES)[number];

export interface ControlPlanePkiOptions {
  readonly clusterName: string;
  /**
   * Addresses and names clients use to reach kube-apiserver: the listen address the seed chose
   * (for local shoots, the bridge gateway that machines use) and any external names.
   */
  readonly apiServerHosts: readonly string[];
  /** first address of the service range: the `kubernetes.default` ClusterIP */
  readonly serviceIP?: string;
  /** default cluster.local */
  readonly clusterDomain?: string;
  /** where etcd listens; default the loopback names */
  readonly etcdHosts?: readonly string[];
  /** where the controller-manager and scheduler serve /healthz; default the loopback names */
  readonly componentHosts?: readonly string[];
}

export interface ServiceAccountKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export interface ControlPlanePki {
  readonly cas: Record<CaName, CertAndKey>;
  readonly leaves: Record<LeafName, CertAndKey>;
  readonly serviceAccount: ServiceAccountKey;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** What each leaf certificate is: issuing CA, subject and usage (kubeadm's layout). */
export function leafSpecs(options: ControlPlanePkiOptions): Record<LeafName, [CaName, CertificateOptions]> {
  const domain = options.clusterDomain ?? 'cluster.local';
  const apiServerHosts = [
    ...options.apiServerHosts,
    ...(options.serviceIP ? [options.serviceIP] : []),
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${domain}`,
    ...LOOPBACK,
  ];
  const etcdHosts = options.etcdHosts ?? LOOPBACK;
  const componentHosts = options.componentHosts ?? LOOPBACK;
  return {
    apiserver: ['ca', { commonName: 'kube-apiserver', usage: 'server', hosts: apiServerHosts }],
    'apiserver-etcd-client': ['etcd-ca', { commonName: 'kube-apiserver-etcd-client', usage: 'client' }],
    'apiserver-kubelet-client': [
      'ca',
      { commonName: 'kube-apiserver-kubelet-client', organizations: [ADMIN_GROUP], usage: 'client' },
    ],
    'front-proxy-client': ['front-proxy-ca', { commonName: 'front-proxy-client', usage: 'client' }],
    'etcd-server': ['etcd-ca', { commonName: 'etcd-server', usage: 'peer', hosts: etcdHosts }],
    'etcd-peer': ['etcd-ca', { commonName: 'etcd-peer', usage: 'peer', hosts: etcdHosts }],
    // The seed's own identity towards the shoot (bootstrap RBAC, bootstrap tokens, health checks).
    admin: [
      'ca',
      { commonName: 'gardener.cloud:system:seed', organizations: [ADMIN_GROUP], usage: 'client' },
    ],
    'kube-controller-manager': ['ca', { commonName: 'system:kube-controller-manager', usage: 'client' }],
    'kube-controller-manager-server': [
      'ca',
      { commonName: 'kube-controller-manager', usage: 'server', hosts: componentHosts },
    ],
    'kube-scheduler': ['ca', { commonName: 'system:kube-scheduler', usage: 'client' }],
    'kube-scheduler-server': ['ca', { commonName: 'kube-scheduler', usage: 'server', hosts: componentHosts }],
  };
}

/** Creates every CA, leaf certificate and the service-account signing key (all in memory). */
export async function generateControlPlanePki(options: ControlPlanePkiOptions): Promise<ControlPlanePki> {
  const [ca, etcdCa, frontProxyCa] = await Promise.all([
    createCertificateAuthority({ commonName: `${options.clusterName}-ca` }),
    createCertificateAuthority({ commonName: `${options.clusterName}-etcd-ca` }),
    createCertificateAuthority({ commonName: `${options.clusterName}-front-proxy-ca` }),
  ]);
  const cas: Record<CaName, CertAndKey> = { ca, 'etcd-ca': etcdCa, 'front-proxy-ca': frontProxyCa };
  return { cas, leaves: await issueLeaves(cas, options), serviceAccount: await generateServiceAccountKey() };
}

async function issueLeaves(
  cas: Record<CaName, CertAndKey>,
  options: ControlPlanePkiOptions,
): Promise<Record<LeafName, CertAndKey>> {
  const specs = leafSpecs(options);
  const issued = await Promise.all(
    LEAF_NAMES.map(async (name) => {
      const [caName, certOptions] = specs[name];
      return [name, await issueCertificate(cas[caName], certOptions)] as const;
    }),
  );
  return Object.fromEntries(issued) as Record<LeafName, CertAndKey>;
}

export async function generateServiceAccountKey(): Promise<ServiceAccountKey> {
  const keys = await generateKeyPair();
  return { privateKeyPem: await privateKeyToPem(keys), publicKeyPem: await publicKeyToPem(keys) };
}

/** File paths of a PKI directory, for component flags. */
export interface PkiPaths {
  readonly dir: string;
  cert(name: CaName | LeafName): string;
  key(name: CaName | LeafName): string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPublicKey: string;
}

export function pkiPaths(dir: string): PkiPaths {
  return {
    dir,
    cert: (name) => join(dir, `${name}.crt`),
    key: (name) => join(dir, `${name}.key`),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
  };
}

const FINGERPRINT_FILE = 'leaves.sha256';

/**
 * Loads the PKI in `dir`, creating what is missing. CAs and the service-account key are made once
 * and kept (replacing them would invalidate every client and token); leaf certificates are
 * re-issued when the options that shape them change (say, a new apiserver address).
 * The directory is 0700 and every key file 0600.
 */
export async function ensureControlPlanePki(
  dir: string,
  options: ControlPlanePkiOptions,
): Promise<ControlPlanePki> {
  const paths = pkiPaths(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);

  const cas = {} as Record<CaName, CertAndKey>;
  let newCa = false;
  for (const name of CA_NAMES) {
    const existing = readPair(paths, name);
    if (existing) {
      cas[name] = existing;
    } else {
      cas[name] = await createCertificateAuthority({ commonName: `${options.clusterName}-${name}` });
      writePair(paths, name, cas[name]);
      newCa = true;
    }
  }

  let serviceAccount: ServiceAccountKey;
  if (existsSync(paths.serviceAccountKey) && existsSync(paths.serviceAccountPublicKey)) {
    serviceAccount = {
      privateKeyPem: readFileSync(paths.serviceAccountKey, 'utf8'),
      publicKeyPem: readFileSync(paths.serviceAccountPublicKey, 'utf8'),
    };
  } else {
    serviceAccount = await generateServiceAccountKey();
    writeSecret(paths.serviceAccountKey, serviceAccount.privateKeyPem);
    writePublic(paths.serviceAccountPublicKey, serviceAccount.publicKeyPem);
  }

  const fingerprint = createHash('sha256')
    .update(JSON.stringify(leafSpecs(options)))
    .update(cas.ca.certPem)
    .update(cas['etcd-ca'].certPem)
    .update(cas['front-proxy-ca'].certPem)
    .digest('hex');
  const fingerprintPath = join(dir, FINGERPRINT_FILE);
  const stored = existsSync(fingerprintPath) ? readFileSync(fingerprintPath, 'utf8').trim() : '';
  const present = LEAF_NAMES.map((name) => readPair(paths, name));
  let leaves: Record<LeafName, CertAndKey>;
  if (!newCa && stored === fingerprint && present.every((pair) => pair)) {
    leaves = Object.fromEntries(LEAF_NAMES.map((name, i) => [name, present[i]])) as Record<
      LeafName,
      CertAndKey
    >;
  } else {
    leaves = await issueLeaves(cas, options);
    for (const name of LEAF_NAMES) writePair(paths, name, leaves[name]);
    writePublic(fingerprintPath, `${fingerprint}\n`);
  }
  return { cas, leaves, serviceAccount };
}

/** Reads a complete PKI directory written by ensureControlPlanePki. */
export function readControlPlanePki(dir: string): ControlPlanePki {
  const paths = pkiPaths(dir);
  const load = (name: CaName | LeafName): CertAndKey => {
    const pair = readPair(paths, name);
    if (!pair) throw new PkiError(PkiErrorCode.Missing, `${name} is missing from ${dir}`);
    return pair;
  };
  return {
    cas: Object.fromEntries(CA_NAMES.map((n) => [n, load(n)])) as Record<CaName, CertAndKey>,
    leaves: Object.fromEntries(LEAF_NAMES.map((n) => [n, load(n)])) as Record<LeafName, CertAndKey>,
    serviceAccount: {
      privateKeyPem: readFileSync(paths.serviceAccountKey, 'utf8'),
      publicKeyPem: readFileSync(paths.serviceAccountPublicKey, 'utf8'),
    },
  };
}

function readPair(paths: PkiPaths, name: CaName | LeafName): CertAndKey | undefined {
  const cert = paths.cert(name);
  const key = paths.key(name);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

function writePair(paths: PkiPaths, name: CaName | LeafName, pair: CertAndKey): void {
  writeSecret(paths.key(name), pair.keyPem);
  writePublic(paths.cert(name), pair.certPem);
}

/** Writes a file that holds a secret: created 0600 under a temporary name, then renamed into place. */
export function writeSecret(path: string, content: string): void {
  atomicWrite(path, content, 0o600);
}

function writePublic(path: string, content: string): void {
  atomicWrite(path, content, 0o644);
}

function atomicWrite(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}
