/**
 * The peer a Gardener user already has: kube-apiserver + etcd from the pinned toolchain, started by
 * the local seed backend (its certificates, supervisor and flags), with a static bearer token for a
 * system:masters user, a Shoot CRD (core.gardener.cloud/v1beta1, namespaced, status subresource) and
 * one namespace. The controller-manager and scheduler the backend also runs get no controller that
 * watches every resource (garbage collector, resource quota), so the benchmark's own requests are
 * the only traffic on the Shoot CRD.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { HttpsTarget } from './https-target.js';
import type { BenchServer } from './server.js';

const ID = 'bench-peer';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Spec and status keep whatever they are given: no pruning, as a CRD that mirrors Gardener's types loosely would. */
export const SHOOT_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'shoots.core.gardener.cloud' },
  spec: {
    group: 'core.gardener.cloud',
    scope: 'Namespaced',
    names: { plural: 'shoots', singular: 'shoot', kind: 'Shoot', listKind: 'ShootList' },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

export interface PeerOptions {
  readonly namespace: string;
  /** GOGC for etcd and kube-apiserver; undefined: Go's default (100), as upstream ships them */
  readonly goGC?: number;
}

/** Starts the peer and resolves once the Shoot CRD serves in the namespace. */
export async function startPeer(options: PeerOptions): Promise<BenchServer> {
  const root = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-peer-'));
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(root, 'tokens.csv');
  writeFileSync(tokenFile, `${token},bench-admin,bench-admin,"system:masters"\n`, { mode: 0o600 });
  const backend = new LocalSeedBackend({
    root,
    tuning: {
      ...(options.goGC === undefined ? {} : { goGC: options.goGC }),
      extraArgs: {
        'kube-apiserver': [`--token-auth-file=${tokenFile}`],
        'kube-controller-manager': [
          '--controllers=*,bootstrap-signer-controller,token-cleaner-controller,-garbage-collector-controller,-resourcequota-controller',
        ],
      },
    },
  });
  const stop = async () => {
    await backend.destroy(ID);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await backend.deploy({ id: ID, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
    await backend.waitReady(ID, { timeoutMs: 120_000 });
    const endpoint = await backend.endpoint(ID);
    const target = new HttpsTarget({ url: endpoint.url, token, caPem: endpoint.caPem });
    const close = async () => {
      await target.close();
      await stop();
    };
    await installShootKind(target, options.namespace).catch(async (error: unknown) => {
      await target.close();
      throw error;
    });
    return { name: 'kube-apiserver', target, pids: () => peerPids(backend), stop: close };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function peerPids(backend: LocalSeedBackend): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const component of (await backend.status(ID)).components)
    if ((component.name === 'etcd' || component.name === 'kube-apiserver') && component.pid)
      pids[component.name] = component.pid;
  return pids;
}

async function installShootKind(target: HttpsTarget, namespace: string): Promise<void> {
  await target.must('POST', CRD_PATH, 201, SHOOT_CRD);
  await target.must('POST', '/api/v1/namespaces', 201, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  const shoots = `/apis/core.gardener.cloud/v1beta1/namespaces/${namespace}/shoots?limit=1`;
  for (let i = 0; i < 300; i++) {
    if ((await target.call('GET', shoots)).status === 200) return;
    await sleep(100);
  }
  throw new Error('the Shoot CRD did not become served within 30 s');
}
