import { randomInt } from 'node:crypto';
import { VIEWER_GROUP } from '@gardener-ts/pki';
import { SeedError, SeedErrorCode } from '../errors.js';
import type { BootstrapToken, BootstrapTokenOptions } from '../types.js';
import type { ShootClient } from './shoot-client.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

const clusterRoleBinding = (name: string, role: string, group: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'gardener-ts' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
});

const READ = ['get', 'list', 'watch'];
const NODE_ROUTES_ROLE = 'gardener.cloud:system:node-routes';

/**
 * Objects every shoot needs before machines join (what kubeadm's bootstrap-token phase and
 * Gardener's shoot system components create):
 * - bootstrap-token holders (group system:bootstrappers) may create CSRs, and their node-client
 *   CSRs are approved automatically by the controller-manager's csrapproving controller;
 * - nodes may renew their own client certificates, and list every Node (each routes the pod
 *   ranges of the others, as kindnet does; the Node authorizer alone shows a node only itself);
 * - the viewer group (short-lived viewer kubeconfigs) reads everything but secrets.
 */
export async function ensureClusterBootstrap(client: ShootClient): Promise<void> {
  const bindings = [
    clusterRoleBinding(
      'gardener.cloud:system:node-bootstrapper',
      'system:node-bootstrapper',
      'system:bootstrappers',
    ),
    clusterRoleBinding(
      'gardener.cloud:system:certificates:auto-approve-node-client',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      'system:bootstrappers',
    ),
    clusterRoleBinding(
      'gardener.cloud:system:certificates:auto-approve-node-renewal',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      'system:nodes',
    ),
    clusterRoleBinding(NODE_ROUTES_ROLE, NODE_ROUTES_ROLE, 'system:nodes'),
    // kube-proxy runs on each node with the node's identity
    clusterRoleBinding('gardener.cloud:system:node-proxier', 'system:node-proxier', 'system:nodes'),
    clusterRoleBinding('gardener.cloud:system:viewers', VIEWER_GROUP, VIEWER_GROUP),
    clusterRoleBinding('gardener.cloud:system:viewers:view', 'view', VIEWER_GROUP),
  ];
  // Independent objects (a binding may name a role that does not exist yet): written at once.
  const viewer = client.ensure(`${RBAC}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: VIEWER_GROUP, labels: { 'app.kubernetes.io/managed-by': 'gardener-ts' } },
    // Cluster-scoped reads; the built-in `view` role (bound above) covers namespaced ones, no secrets.
    rules: [
      {
        apiGroups: [''],
        resources: ['nodes', 'namespaces', 'persistentvolumes', 'componentstatuses'],
        verbs: READ,
      },
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['storageclasses', 'csidrivers', 'csinodes', 'volumeattachments'],
        verbs: READ,
      },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: READ },
      { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: READ },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: READ },
      {
        apiGroups: ['scheduling.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io'],
        resources: ['*'],
        verbs: READ,
      },
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: READ },
      {
        apiGroups: ['coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io'],
        resources: ['*'],
        verbs: READ,
      },
    ],
  });
  const nodeRoutes = client.ensure(`${RBAC}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: NODE_ROUTES_ROLE, labels: { 'app.kubernetes.io/managed-by': 'gardener-ts' } },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }],
  });
  await Promise.all([
    viewer,
    nodeRoutes,
    ...bindings.map((binding) => client.ensure(`${RBAC}/clusterrolebindings`, binding)),
  ]);
}

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomToken = (length: number) =>
  Array.from({ length }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('');

/**
 * A bootstrap token (kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token): it
 * authenticates as system:bootstrap:<id> in group system:bootstrappers until it expires; the
 * controller-manager's tokencleaner deletes it then.
 */
export async function createBootstrapToken(
  client: ShootClient,
  options: BootstrapTokenOptions = {},
): Promise<BootstrapToken> {
  const id = randomToken(6);
  const secret = randomToken(16);
  const expiration = new Date(Date.now() + (options.ttlSeconds ?? 3600) * 1000);
  const groups = options.extraGroups ?? [];
  for (const group of groups) {
    if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(group)) {
      throw new SeedError(
        SeedErrorCode.InvalidSpec,
        `bootstrap token group ${group} must start with system:bootstrappers:`,
      );
    }
  }
  await client.create('/api/v1/namespaces/kube-system/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      'token-id': id,
      'token-secret': secret,
      expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      description: options.description ?? 'kubelet TLS bootstrap (gardener-ts)',
      ...(groups.length ? { 'auth-extra-groups': groups.join(',') } : {}),
    },
  });
  return { id, secret, token: `${id}.${secret}`, expiration };
}
