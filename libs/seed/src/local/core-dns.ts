import type { CoreDnsSpec } from '../types.js';
import type { ShootClient } from './shoot-client.js';

const NAMESPACE = 'kube-system';
const LABELS = { 'k8s-app': 'kube-dns', 'app.kubernetes.io/managed-by': 'gardener-ts' };
const CORE = `/api/v1/namespaces/${NAMESPACE}`;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const NAME = 'coredns';

/**
 * Cluster DNS of the shoot, as kubeadm and Gardener deploy CoreDNS: names of Services and Pods
 * under cluster.local. There is no upstream resolver in a seed without internet, so other names
 * are not answered.
 */
export const COREFILE = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

const metadata = (extra: Record<string, unknown> = {}) => ({ name: NAME, labels: LABELS, ...extra });

/** Creates or converges the CoreDNS objects in the shoot. */
export async function ensureCoreDns(client: ShootClient, spec: CoreDnsSpec): Promise<void> {
  await client.ensure(`${CORE}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(),
  });
  await client.ensure(`${RBAC}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'system:coredns', labels: LABELS },
    rules: [
      {
        apiGroups: [''],
        resources: ['endpoints', 'services', 'pods', 'namespaces'],
        verbs: ['list', 'watch'],
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  });
  await client.ensure(`${RBAC}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'system:coredns', labels: LABELS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
  });
  await client.ensure(`${CORE}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(),
    data: { Corefile: COREFILE },
  });
  await client.ensure(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, deployment(spec.image));
  await ensureService(client, service(spec.address));
}

/**
 * The Service is made once: creating it again is refused as its cluster IP being taken (422, not
 * 409), and what matters of it (the address) cannot change anyway.
 */
async function ensureService(client: ShootClient, object: KubeObject): Promise<void> {
  const existing = await client.request('GET', `${CORE}/services/${object.metadata.name}`);
  if (existing.status === 200) return;
  await client.create(`${CORE}/services`, object);
}

/** What keeps CoreDNS from being available, or undefined when every replica is. */
export async function coreDnsProblem(client: ShootClient): Promise<string | undefined> {
  const path = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${NAME}`;
  const response = await client.request('GET', path, undefined, 3_000);
  if (response.status === 404) return 'CoreDNS is not deployed';
  if (response.status !== 200) return `CoreDNS cannot be read: HTTP ${response.status}`;
  const { spec, status } = JSON.parse(response.text) as {
    spec?: { replicas?: number };
    status?: { availableReplicas?: number };
  };
  const desired = spec?.replicas ?? 1;
  const available = status?.availableReplicas ?? 0;
  return available >= desired ? undefined : `CoreDNS has ${available} of ${desired} replicas available`;
}

type KubeObject = { metadata: { name: string; [field: string]: unknown }; [field: string]: unknown };

function deployment(image: string): KubeObject {
  const probe = (path: string, port: number) => ({
    httpGet: { path, port },
    periodSeconds: 5,
    timeoutSeconds: 2,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: NAME,
          priorityClassName: 'system-cluster-critical',
          // on any pool, as a cluster's DNS must be (pools may carry NoSchedule taints)
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { operator: 'Exists', effect: 'NoSchedule' },
          ],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: NAME,
              image,
              imagePullPolicy: 'IfNotPresent',
              args: ['-conf', '/etc/coredns/Corefile'],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
              resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } },
              readinessProbe: probe('/ready', 8181),
              livenessProbe: { ...probe('/health', 8080), initialDelaySeconds: 10 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: NAME } }],
        },
      },
    },
  };
}

function service(address: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', labels: LABELS },
    spec: {
      clusterIP: address,
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'metrics', port: 9153, protocol: 'TCP' },
      ],
    },
  };
}
