import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';

export interface KubeCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  [other: string]: unknown;
}
export interface KubeUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  [other: string]: unknown;
}
export interface KubeContext {
  cluster: string;
  user: string;
  namespace?: string;
  [other: string]: unknown;
}
export interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: Array<{ name: string; cluster: KubeCluster }>;
  users: Array<{ name: string; user: KubeUser }>;
  contexts: Array<{ name: string; context: KubeContext }>;
  'current-context': string;
  preferences?: Record<string, unknown>;
  [other: string]: unknown;
}

function kubeconfigError(message: string, hint?: string): GardenctlError {
  return new GardenctlError(GardenctlErrorCode.Kubeconfig, message, hint);
}

/** Reads a kubeconfig; relative file references become absolute so copies elsewhere still work. */
export async function loadKubeconfig(path: string, gardenName: string): Promise<Kubeconfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw kubeconfigError(
      `cannot read the kubeconfig of garden "${gardenName}" (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      `point the garden at an existing file: gardenctl config set-garden ${gardenName} --kubeconfig FILE`,
    );
  }
  const { parse } = await import('yaml');
  let doc: Partial<Kubeconfig>;
  try {
    doc = (parse(text) ?? {}) as Partial<Kubeconfig>;
  } catch (error) {
    throw kubeconfigError(`the kubeconfig ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const config: Kubeconfig = {
    ...doc,
    apiVersion: doc.apiVersion ?? 'v1',
    kind: doc.kind ?? 'Config',
    clusters: doc.clusters ?? [],
    users: doc.users ?? [],
    contexts: doc.contexts ?? [],
    'current-context': doc['current-context'] ?? '',
  };
  absolutize(config, dirname(path));
  return config;
}

function absolutize(config: Kubeconfig, base: string): void {
  const fix = (value: unknown) =>
    typeof value === 'string' && value && !isAbsolute(value) ? resolve(base, value) : value;
  for (const { cluster } of config.clusters) {
    if (cluster?.['certificate-authority'])
      cluster['certificate-authority'] = fix(cluster['certificate-authority']) as string;
  }
  for (const { user } of config.users) {
    if (!user) continue;
    for (const key of ['client-certificate', 'client-key', 'tokenFile'] as const) {
      if (user[key]) user[key] = fix(user[key]) as string;
    }
  }
}

export interface ResolvedContext {
  contextName: string;
  context: KubeContext;
  cluster: KubeCluster;
  clusterName: string;
  user: KubeUser;
  userName: string;
}

/** The context to use (the garden's configured one, else current-context), with its cluster and user. */
export function resolveContext(
  config: Kubeconfig,
  override: string | undefined,
  gardenName: string,
): ResolvedContext {
  const contextName = override || config['current-context'];
  if (!contextName) {
    throw kubeconfigError(
      `the kubeconfig of garden "${gardenName}" has no current-context`,
      `name one with gardenctl config set-garden ${gardenName} --context NAME`,
    );
  }
  const entry = config.contexts.find((c) => c.name === contextName);
  if (!entry?.context) {
    throw kubeconfigError(
      `context "${contextName}" does not exist in the kubeconfig of garden "${gardenName}"`,
      `contexts there: ${config.contexts.map((c) => c.name).join(', ') || '(none)'}; choose one with gardenctl config set-garden ${gardenName} --context NAME`,
    );
  }
  const cluster = config.clusters.find((c) => c.name === entry.context.cluster)?.cluster;
  if (!cluster?.server) {
    throw kubeconfigError(
      `context "${contextName}" of garden "${gardenName}" names cluster "${entry.context.cluster}", which has no server`,
    );
  }
  const user = config.users.find((u) => u.name === entry.context.user)?.user ?? {};
  return {
    contextName,
    context: entry.context,
    cluster,
    clusterName: entry.context.cluster,
    user,
    userName: entry.context.user,
  };
}

/** Only the chosen context, its cluster and its user (kubectl's --minify). */
export function minify(config: Kubeconfig, resolved: ResolvedContext): Kubeconfig {
  return {
    apiVersion: config.apiVersion,
    kind: config.kind,
    clusters: [{ name: resolved.clusterName, cluster: resolved.cluster }],
    contexts: [{ name: resolved.contextName, context: { ...resolved.context } }],
    'current-context': resolved.contextName,
    preferences: config.preferences ?? {},
    users: resolved.userName ? [{ name: resolved.userName, user: resolved.user }] : [],
  };
}

export function withNamespace(config: Kubeconfig, namespace: string): Kubeconfig {
  return {
    ...config,
    contexts: config.contexts.map((c) => ({ ...c, context: { ...c.context, namespace } })),
  };
}

/** As `kubectl config view` without --raw: secrets shown as REDACTED, certificate data as DATA+OMITTED. */
export function redact(config: Kubeconfig): Kubeconfig {
  return {
    ...config,
    clusters: config.clusters.map((c) => ({
      ...c,
      cluster: c.cluster['certificate-authority-data']
        ? { ...c.cluster, 'certificate-authority-data': 'DATA+OMITTED' }
        : c.cluster,
    })),
    users: config.users.map((u) => {
      const user = { ...u.user };
      if (user['client-certificate-data']) user['client-certificate-data'] = 'DATA+OMITTED';
      if (user['client-key-data']) user['client-key-data'] = 'DATA+OMITTED';
      if (user.token) user.token = 'REDACTED';
      if (user.password) user.password = 'REDACTED';
      return { ...u, user };
    }),
  };
}

/** Inlines referenced files as *-data fields (kubectl's --flatten). */
export function flatten(config: Kubeconfig): Kubeconfig {
  const inline = (path: string) => readFileSync(path).toString('base64');
  return {
    ...config,
    clusters: config.clusters.map((c) => {
      const cluster = { ...c.cluster };
      if (cluster['certificate-authority']) {
        cluster['certificate-authority-data'] = inline(cluster['certificate-authority']);
        delete cluster['certificate-authority'];
      }
      return { ...c, cluster };
    }),
    users: config.users.map((u) => {
      const user = { ...u.user };
      for (const key of ['client-certificate', 'client-key'] as const) {
        const path = user[key];
        if (path) {
          user[`${key}-data`] = inline(path);
          delete user[key];
        }
      }
      return { ...u, user };
    }),
  };
}
