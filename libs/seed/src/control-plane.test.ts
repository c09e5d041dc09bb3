// One real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) shared by
// every test in this file, driven with @kubernetes/client-node, the pinned kubectl, curl and openssl.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pkiPaths } from '@gardener-ts/pki';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSeedBackend } from './index.js';
import { eventually, kubectl, run, scratchRoot } from './testing/tools.js';

const id = 'shoot--test--cp';
const root = scratchRoot('seed-cp');
const backend = new LocalSeedBackend({ root });
const layout = backend.layout(id);
const pki = pkiPaths(layout.pki);
let server: string;
let adminKubeconfig: string;

beforeAll(async () => {
  await backend.deploy({
    id,
    listenAddress: '127.0.0.1',
    serviceCidr: '10.96.0.0/12',
    podCidr: '10.64.0.0/12',
    coreDns: { address: '10.96.0.10', image: 'registry.example/coredns:v1.12.1' },
  });
  await backend.waitReady(id, { timeoutMs: 90_000 });
  server = (await backend.endpoint(id)).url;
  adminKubeconfig = join(root, 'admin.kubeconfig');
  const admin = await backend.issueKubeconfig(id, { role: 'admin', user: 'tester', expirationSeconds: 3600 });
  writeFileSync(adminKubeconfig, admin.kubeconfig, { mode: 0o600 });
}, 120_000);

afterAll(async () => {
  await backend.destroy(id);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
    },
  },
});

const unschedulable = (pod: V1Pod) =>
  pod.status?.conditions?.some(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );

describe('a local control plane', () => {
  it('deploys cluster DNS on its address once, converges it on every waitReady, and reports its replicas', async () => {
    await backend.waitReady(id, { timeoutMs: 60_000 });
    const service = await kubectl(
      adminKubeconfig,
      'get',
      'service',
      'kube-dns',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.spec.clusterIP}',
    );
    expect(service.stdout).toBe('10.96.0.10');
    const image = await kubectl(
      adminKubeconfig,
      'get',
      'deployment',
      'coredns',
      '-n',
      'kube-system',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image.stdout).toBe('registry.example/coredns:v1.12.1');
    // no node runs it here
    expect(await backend.systemComponents(id)).toEqual({
      deployed: true,
      problem: 'CoreDNS has 0 of 2 replicas available',
    });
  });

  it('runs Deployments through the controller-manager and scheduler (@kubernetes/client-node)', async () => {
    const config = new KubeConfig();
    config.loadFromString(readFileSync(adminKubeconfig, 'utf8'));
    const core = config.makeApiClient(CoreV1Api);
    const apps = config.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'client-node' } } });
    await apps.createNamespacedDeployment({ namespace: 'client-node', body: deployment('web') });

    const replicaSets = await eventually('a ReplicaSet', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: 'client-node' });
      return list.items.length ? list.items : undefined;
    });
    expect(replicaSets[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web' });

    const pods = await eventually('two unschedulable pods', async () => {
      const list = await core.listNamespacedPod({ namespace: 'client-node' });
      return list.items.length === 2 && list.items.every(unschedulable) ? list.items : undefined;
    });
    expect(pods.map((p) => p.metadata?.ownerReferences?.[0]?.kind)).toEqual(['ReplicaSet', 'ReplicaSet']);
  });

  it('runs Deployments through the controller-manager and scheduler (kubectl by path)', async () => {
    expect((await kubectl(adminKubeconfig, 'create', 'namespace', 'kubectl')).code).toBe(0);
    const created = await kubectl(
      adminKubeconfig,
      '-n',
      'kubectl',
      'create',
      'deployment',
      'web',
      '--image=registry.k8s.io/pause:3.10',
      '--replicas=2',
    );
    expect(created.stderr).toBe('');
    const pods = await eventually('two unschedulable pods', async () => {
      const out = await kubectl(adminKubeconfig, '-n', 'kubectl', 'get', 'pods', '-o', 'json');
      const items: V1Pod[] = JSON.parse(out.stdout).items;
      return items.length === 2 && items.every(unschedulable) ? items : undefined;
    });
    expect(pods).toHaveLength(2);
    const rs = await kubectl(adminKubeconfig, '-n', 'kubectl', 'get', 'replicasets', '-o', 'name');
    expect(rs.stdout).toMatch(/^replicaset\.apps\/web-/);

    // The service-account controllers work, and tokens carry the configured issuer.
    const token = await eventually('a service-account token', async () => {
      const out = await kubectl(adminKubeconfig, '-n', 'kubectl', 'create', 'token', 'default');
      return out.code === 0 ? out.stdout.trim() : undefined;
    });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.iss).toBe(server);
  });

  it('lets a machine do the kubelet TLS bootstrap with a bootstrap token (curl and openssl)', async () => {
    const { token } = await backend.createBootstrapToken(id, { ttlSeconds: 600 });
    const dir = scratchRoot('node');
    const key = join(dir, 'node.key');
    const csr = join(dir, 'node.csr');
    try {
      expect(
        (await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key])).code,
      ).toBe(0);
      const req = await run('openssl', [
        'req',
        '-new',
        '-key',
        key,
        '-subj',
        '/O=system:nodes/CN=system:node:node-a',
        '-out',
        csr,
      ]);
      expect(req.code, req.stderr).toBe(0);

      const curl = (...args: string[]) =>
        run('curl', ['-sS', '--cacert', pki.cert('ca'), '-w', '\n%{http_code}', ...args]);
      const split = (out: string) => {
        const at = out.lastIndexOf('\n');
        return { body: out.slice(0, at), status: Number(out.slice(at + 1)) };
      };
      const bearer = ['-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json'];
      const csrObject = {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: 'node-csr-' },
        spec: {
          request: readFileSync(csr).toString('base64'),
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        },
      };
      const posted = split(
        (
          await curl(
            ...bearer,
            '--data',
            JSON.stringify(csrObject),
            `${server}/apis/certificates.k8s.io/v1/certificatesigningrequests`,
          )
        ).stdout,
      );
      expect(posted.status, posted.body).toBe(201);
      const name = JSON.parse(posted.body).metadata.name;

      // The controller-manager approves (csrapproving) and signs (csrsigning) it.
      const certificate = await eventually('a signed node certificate', async () => {
        const got = split(
          (await curl(...bearer, `${server}/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}`))
            .stdout,
        );
        const status = JSON.parse(got.body).status ?? {};
        return status.certificate as string | undefined;
      });
      const cert = join(dir, 'node.crt');
      writeFileSync(cert, Buffer.from(certificate, 'base64'));
      const subject = await run('openssl', ['x509', '-noout', '-subject', '-in', cert]);
      expect(subject.stdout).toMatch(/O\s*=\s*system:nodes, CN\s*=\s*system:node:node-a/);

      const asNode = ['--cert', cert, '--key', key, '-H', 'Content-Type: application/json'];
      const node = (nodeName: string) =>
        JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } });
      const own = split((await curl(...asNode, '--data', node('node-a'), `${server}/api/v1/nodes`)).stdout);
      expect(own.status, own.body).toBe(201);
      const other = split((await curl(...asNode, '--data', node('node-b'), `${server}/api/v1/nodes`)).stdout);
      expect(other.status, other.body).toBe(403);
      const got = split((await curl(...asNode, `${server}/api/v1/nodes/node-a`)).stdout);
      expect(got.status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an admin kubeconfig once it has expired, and keeps viewers away from secrets', async () => {
    const short = await backend.issueKubeconfig(id, { role: 'admin', user: 'brief', expirationSeconds: 3 });
    const path = join(root, 'short.kubeconfig');
    writeFileSync(path, short.kubeconfig, { mode: 0o600 });
    expect((await kubectl(path, 'get', 'namespaces')).code).toBe(0);
    await sleep(short.expirationTimestamp.getTime() - Date.now() + 1_500);
    const expired = await kubectl(path, 'get', 'namespaces');
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toMatch(/Unauthorized|must be logged in/);

    const viewer = await backend.issueKubeconfig(id, { role: 'viewer', user: 'watcher' });
    const viewerPath = join(root, 'viewer.kubeconfig');
    writeFileSync(viewerPath, viewer.kubeconfig, { mode: 0o600 });
    expect((await kubectl(viewerPath, 'get', 'namespaces')).code).toBe(0);
    expect((await kubectl(viewerPath, '-n', 'kubectl', 'get', 'deployments')).code).toBe(0);
    const secrets = await kubectl(viewerPath, '-n', 'kube-system', 'get', 'secrets');
    expect(secrets.stderr).toMatch(/Forbidden/);
    const write = await kubectl(viewerPath, 'create', 'namespace', 'nope');
    expect(write.stderr).toMatch(/Forbidden/);
  });

  it('encrypts secrets at rest in etcd', async () => {
    const created = await kubectl(
      adminKubeconfig,
      '-n',
      'default',
      'create',
      'secret',
      'generic',
      'hush',
      '--from-literal=password=plain-text-canary',
    );
    expect(created.code, created.stderr).toBe(0);
    const { ports } = JSON.parse(readFileSync(layout.state, 'utf8'));
    const key = Buffer.from('/registry/secrets/default/hush').toString('base64');
    const out = await run('curl', [
      '-sS',
      '--cacert',
      pki.cert('etcd-ca'),
      '--cert',
      pki.cert('apiserver-etcd-client'),
      '--key',
      pki.key('apiserver-etcd-client'),
      '--data',
      JSON.stringify({ key }),
      `https://127.0.0.1:${ports.etcdClient}/v3/kv/range`,
    ]);
    const value = Buffer.from(JSON.parse(out.stdout).kvs[0].value, 'base64').toString('latin1');
    expect(value.startsWith('k8s:enc:secretbox:v1:key1:')).toBe(true);
    expect(value).not.toContain('plain-text-canary');
  });

  it('restarts a killed kube-apiserver, keeping its data', async () => {
    const before = (await backend.status(id)).components.find((c) => c.name === 'kube-apiserver');
    expect(before?.pid).toBeGreaterThan(0);
    process.kill(before?.pid ?? 0, 'SIGKILL');
    const after = await eventually('a new kube-apiserver', async () => {
      const status = await backend.status(id);
      const apiserver = status.components.find((c) => c.name === 'kube-apiserver');
      return apiserver?.state === 'running' && apiserver.pid !== before?.pid ? apiserver : undefined;
    });
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    expect(after.lastExit?.signal).toBe('SIGKILL');
    await backend.waitReady(id, { timeoutMs: 60_000 });
    expect((await kubectl(adminKubeconfig, 'get', 'namespace', 'client-node')).code).toBe(0);
    expect((await backend.status(id)).phase).toBe('Running');
  });
});
