import { stringify } from 'yaml';
import { type CertAndKey, issueCertificate } from './certificates.js';
import { PkiError, PkiErrorCode } from './errors.js';

export type KubeconfigUser =
  | { readonly name: string; readonly certPem: string; readonly keyPem: string }
  | { readonly name: string; readonly token: string };

export interface KubeconfigOptions {
  readonly clusterName: string;
  /** https://host:port of kube-apiserver */
  readonly server: string;
  /** the cluster CA that signed kube-apiserver's serving certificate */
  readonly caPem: string;
  readonly user: KubeconfigUser;
  readonly namespace?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A self-contained kubeconfig (certificates and keys inline) with one cluster, user and context. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const context = `${options.clusterName}`;
  const user =
    'token' in options.user
      ? { token: options.user.token }
      : {
          'client-certificate-data': b64(options.user.certPem),
          'client-key-data': b64(options.user.keyPem),
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': context,
    clusters: [
      {
        name: options.clusterName,
        cluster: { server: options.server, 'certificate-authority-data': b64(options.caPem) },
      },
    ],
    users: [{ name: options.user.name, user }],
    contexts: [
      {
        name: context,
        context: {
          cluster: options.clusterName,
          user: options.user.name,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    preferences: {},
  });
}

/** Like Gardener's AdminKubeconfigRequest / ViewerKubeconfigRequest. */
export const MAX_KUBECONFIG_EXPIRATION_SECONDS = 24 * 3600;
export const DEFAULT_KUBECONFIG_EXPIRATION_SECONDS = 3600;
/** kube-apiserver's superuser group. */
export const ADMIN_GROUP = 'system:masters';
/** Gardener's group for read-only shoot access; the seed binds it to read-only roles (no secrets). */
export const VIEWER_GROUP = 'gardener.cloud:system:viewers';

export type KubeconfigRole = 'admin' | 'viewer';

export interface ShortLivedKubeconfigOptions {
  /** the shoot's cluster CA (certificate and key) */
  readonly ca: CertAndKey;
  readonly clusterName: string;
  readonly server: string;
  readonly role: KubeconfigRole;
  /** the requesting user's name, which becomes the certificate's common name */
  readonly user: string;
  /** default 1 h; capped at 24 h */
  readonly expirationSeconds?: number;
  readonly now?: Date;
}

export interface ShortLivedKubeconfig {
  readonly kubeconfig: string;
  readonly expirationTimestamp: Date;
  readonly expirationSeconds: number;
}

/**
 * A kubeconfig with a client certificate that expires after the requested time (at most 24 h).
 * Nothing is stored: kube-apiserver refuses the certificate once its notAfter has passed.
 */
export async function issueShortLivedKubeconfig(
  options: ShortLivedKubeconfigOptions,
): Promise<ShortLivedKubeconfig> {
  const requested = options.expirationSeconds ?? DEFAULT_KUBECONFIG_EXPIRATION_SECONDS;
  if (!Number.isInteger(requested) || requested <= 0) {
    throw new PkiError(PkiErrorCode.InvalidArgument, 'expirationSeconds must be a positive integer');
  }
  if (!options.user) throw new PkiError(PkiErrorCode.InvalidArgument, 'user is required');
  const expirationSeconds = Math.min(requested, MAX_KUBECONFIG_EXPIRATION_SECONDS);
  const now = options.now ?? new Date();
  const client = await issueCertificate(options.ca, {
    commonName: options.user,
    organizations: [options.role === 'admin' ? ADMIN_GROUP : VIEWER_GROUP],
    usage: 'client',
    validitySeconds: expirationSeconds,
    now,
  });
  const kubeconfig = renderKubeconfig({
    clusterName: options.clusterName,
    server: options.server,
    caPem: options.ca.certPem,
    user: { name: `${options.clusterName}-${options.role}`, ...client },
  });
  return {
    kubeconfig,
    expirationTimestamp: new Date(now.getTime() + expirationSeconds * 1000),
    expirationSeconds,
  };
}
