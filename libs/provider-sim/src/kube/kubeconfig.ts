import { parse } from 'yaml';
import type { ShootAccess, ShootAccessSource } from '../dependencies.js';

interface Kubeconfig {
  'current-context'?: string;
  clusters?: { name: string; cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { name: string; user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
}

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/**
 * The current context of a kubeconfig with embedded client-certificate credentials (what
 * SeedBackend.issueKubeconfig returns) as ShootAccess.
 */
export function shootAccessFromKubeconfig(text: string, expiresAt?: Date): ShootAccess {
  const config = parse(text) as Kubeconfig;
  const context = config.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users?.find((u) => u.name === context?.user)?.user;
  const ca = cluster?.['certificate-authority-data'];
  const cert = user?.['client-certificate-data'];
  const key = user?.['client-key-data'];
  if (!cluster?.server || !ca || !cert || !key) {
    throw new Error(
      'the kubeconfig has no current context with a server, certificate-authority-data and client certificate data',
    );
  }
  return { server: cluster.server, caPem: decode(ca), certPem: decode(cert), keyPem: decode(key), expiresAt };
}

/** The one SeedBackend method shootAccessFromSeed needs (LocalSeedBackend has it). */
export interface KubeconfigIssuer {
  issueKubeconfig(
    id: string,
    request: { readonly role: 'admin'; readonly user: string; readonly expirationSeconds?: number },
  ): Promise<{ readonly kubeconfig: string; readonly expirationTimestamp: Date }>;
}

/**
 * shootAccess for a gardenlet: a short-lived admin certificate per shoot from its seed (the
 * provider asks again shortly before it expires), for the user `system:gardenlet:sim`.
 */
export function shootAccessFromSeed(
  seed: KubeconfigIssuer,
  options: { readonly user?: string; readonly expirationSeconds?: number } = {},
): ShootAccessSource {
  return async (technicalId) => {
    const issued = await seed.issueKubeconfig(technicalId, {
      role: 'admin',
      user: options.user ?? 'system:gardenlet:sim',
      expirationSeconds: options.expirationSeconds ?? 3600,
    });
    return shootAccessFromKubeconfig(issued.kubeconfig, issued.expirationTimestamp);
  };
}
