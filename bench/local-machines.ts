/**
 * Local machines benchmark (real nodes: containerd and the kubelet in each machine): create to
 * Node Ready of one machine and of three in parallel, a Pod's start to Running on a Ready node
 * with a cached image, and the idle memory of a machine (RSS summed over its processes, pods'
 * included), on a real shoot: the local Infrastructure actuator's bridge and firewall and a
 * LocalSeedBackend control plane on its gateway.
 *
 *   npm run bench -- bench/local-machines.ts [--runs 1] [--idle 15]
 *
 * Targets (issue 16, real nodes): one machine Ready <= 15 s, first Pod Running <= 3 s, idle RSS
 * <= 200 MiB per machine.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import {
  type CreateMachineRequest,
  LocalInfrastructureActuator,
  LocalMachineDriver,
  technicalIdOf,
} from '@gardener-ts/extensions';
import { builtinImage, REPOSITORY_PREFIX, registryAddress } from '@gardener-ts/infra/images';
import { createTestDatabase } from '@gardener-ts/infra/testing';
import { loadOrCreateStateKey, TofuRunner } from '@gardener-ts/infra/tofu';
import { binary } from '@gardener-ts/infra/toolchain';
import { LocalSeedBackend } from '@gardener-ts/seed';
import { machineMemoryMiB } from './support.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, idle: { type: 'string', default: '15' } },
});
const runs = Number(values.runs);
const idleSeconds = Number(values.idle);
const TARGET_READY_SECONDS = 15;
const TARGET_POD_SECONDS = 3;
const TARGET_RSS_MIB = 200;
/** What the host keeps for itself when counting how many idle machines fit. */
const HOST_RESERVE_MIB = 2048;

const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const scratch = mkdtempSync(join(tmpdir(), 'gardener-ts-bench-machines-'));
chmodSync(scratch, 0o711);
const shoot = exampleShoot('bench', 'garden-benchm');
const context = {
  shoot: {
    ...shoot,
    spec: { ...shoot.spec, networking: { ...shoot.spec.networking, nodes: '10.251.2.0/24' } },
  },
  cloudProfile: exampleCloudProfile(),
  credentials: {},
  technicalId: technicalIdOf(shoot),
};
const technicalId = context.technicalId;
const database = await createTestDatabase('gardener_ts_bench_machines');
const stateKey = await loadOrCreateStateKey(join(scratch, 'state.key'));
const actuator = new LocalInfrastructureActuator(
  new TofuRunner({ databaseUrl: database.url, workRoot: join(scratch, 'tofu'), stateKey }),
);
const seed = new LocalSeedBackend({ root: join(scratch, 'seed') });
const driver = new LocalMachineDriver({ root: join(scratch, 'machines') });
const kubeconfig = join(scratch, 'admin.kubeconfig');

/** Names of the nodes whose Ready condition is True. */
async function readyNodes(): Promise<Set<string>> {
  const { stdout } = await run(binary('kubectl'), ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'json']);
  const items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[] =
    JSON.parse(stdout).items;
  return new Set(
    items
      .filter((n) => n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name),
  );
}

/** Seconds from the first create call until every machine's Node is Ready. */
async function createUntilReady(
  template: Omit<CreateMachineRequest, 'name'>,
  names: string[],
): Promise<number> {
  const start = performance.now();
  await Promise.all(names.map((name) => driver.create({ ...template, name })));
  for (;;) {
    const ready = await readyNodes();
    if (names.every((name) => ready.has(name))) return (performance.now() - start) / 1000;
    if (performance.now() - start > 120_000) throw new Error(`not Ready after 120 s: ${names.join(', ')}`);
    await sleep(200);
  }
}

/** Seconds from creating a Pod bound to `node` until its container runs (the image is cached). */
async function podRunning(node: string, name: string): Promise<number> {
  const shell = builtinImage('shell');
  const image = `${registryAddress()}/${REPOSITORY_PREFIX}/${shell.name}:${await shell.tag()}`;
  const manifest = join(scratch, `${name}.json`);
  const container = { name: 'main', image, command: ['/bin/sh', '-c', 'while true; do sleep 1; done'] };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: node, containers: [container] },
  };
  writeFileSync(manifest, JSON.stringify(pod));
  const start = performance.now();
  await run(binary('kubectl'), ['--kubeconfig', kubeconfig, 'apply', '-f', manifest]);
  for (;;) {
    const { stdout } = await run(binary('kubectl'), [
      '--kubeconfig',
      kubeconfig,
      'get',
      'pod',
      name,
      '-o',
      'json',
    ]);
    if (JSON.parse(stdout).status?.containerStatuses?.[0]?.state?.running)
      return (performance.now() - start) / 1000;
    if (performance.now() - start > 60_000) throw new Error(`pod ${name} not Running after 60 s`);
    await sleep(100);
  }
}

try {
  const setupStart = performance.now();
  // the bridge before the control plane: the apiserver listens on its gateway address
  const infrastructure = await actuator.reconcile(context);
  await seed.deploy({
    id: technicalId,
    listenAddress: infrastructure.providerStatus.gatewayAddress ?? '',
    serviceCidr: '10.96.0.0/12',
    podCidr: '10.244.0.0/16',
  });
  await seed.waitReady(technicalId, { timeoutMs: 120_000 });
  const endpoint = await seed.endpoint(technicalId);
  const admin = await seed.issueKubeconfig(technicalId, { role: 'admin', user: 'bench' });
  writeFileSync(kubeconfig, admin.kubeconfig, { mode: 0o600 });
  const { token } = await seed.createBootstrapToken(technicalId, { ttlSeconds: 3600 });
  const template: Omit<CreateMachineRequest, 'name'> = {
    technicalId,
    machineClass: {
      machineType: 'local-small',
      image: { name: 'debian' },
      zone: 'zone-a',
      cpu: '1',
      memory: '1Gi',
    },
    bootstrap: {
      apiServerUrl: endpoint.url,
      caPem: endpoint.caPem,
      bootstrapToken: token,
      labels: { 'worker.gardener.cloud/pool': 'bench' },
      taints: [],
      sshPublicKey: infrastructure.sshPublicKey,
    },
    infrastructure: infrastructure.providerStatus,
  };
  console.log(
    `local machines: ${runs} run(s); shoot infrastructure + control plane ready in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
  );

  const one: number[] = [];
  const three: number[] = [];
  const rss: number[] = [];
  const own: number[] = [];
  const peaks: number[] = [];
  const pods: number[] = [];
  for (let i = 0; i < runs; i++) {
    const single = [`bench-${i}-solo`];
    const trio = [0, 1, 2].map((n) => `bench-${i}-trio-${n}`);
    one.push(await createUntilReady(template, single));
    // the first Pod on a node pulls nothing (the image was imported at boot)
    pods.push(await podRunning(single[0] ?? '', `bench-pod-${i}`));
    three.push(await createUntilReady(template, trio));
    await sleep(idleSeconds * 1000);
    // five samples a second apart, the median is the idle figure
    for (const name of [...single, ...trio]) {
      const samples: number[] = [];
      const ownSamples: number[] = [];
      for (let sample = 0; sample < 5; sample++) {
        const memory = await machineMemoryMiB(driver, technicalId, name);
        samples.push(memory.rss);
        ownSamples.push(memory.own);
        peaks.push(memory.rss);
        await sleep(1000);
      }
      rss.push(median(samples));
      own.push(median(ownSamples));
    }
    await Promise.all([...single, ...trio].map((name) => driver.delete({ name, technicalId })));
  }

  const oneReady = median(one);
  const threeReady = median(three);
  const rssMedian = median(rss);
  const rssMax = Math.max(...rss);
  const peak = Math.max(...peaks);
  const podSeconds = median(pods);
  const ownMax = Math.max(...own);
  // file pages (the binaries) are the same files on every machine: the host holds them once
  const sharedOnce = Math.max(...rss.map((r, i) => r - (own[i] ?? 0)));
  const fit = Math.floor((totalmem() / 2 ** 20 - HOST_RESERVE_MIB - sharedOnce) / ownMax);
  console.log(
    `  1 machine,  create -> Node Ready   ${oneReady.toFixed(1)} s (median)  target <= ${TARGET_READY_SECONDS} s  (${(TARGET_READY_SECONDS / oneReady).toFixed(1)}x headroom)`,
  );
  console.log(`  3 machines, create -> all Ready    ${threeReady.toFixed(1)} s (median)`);
  console.log(
    `  Pod create -> Running (cached image)  ${podSeconds.toFixed(1)} s (median)  target <= ${TARGET_POD_SECONDS} s  (${(TARGET_POD_SECONDS / podSeconds).toFixed(1)}x headroom)`,
  );
  console.log(
    `  idle RSS per machine (after ${idleSeconds} s idle; median of 5 samples)  ${rssMedian.toFixed(1)} MiB median, ${rssMax.toFixed(1)} MiB max  target <= ${TARGET_RSS_MIB} MiB  (${(TARGET_RSS_MIB / rssMax).toFixed(1)}x headroom)`,
  );
  console.log(`  peak RSS of a machine over the samples  ${peak.toFixed(1)} MiB`);
  console.log(
    `  of which its own memory (cgroup usage less file pages)  ${median(own).toFixed(1)} MiB median, ${ownMax.toFixed(1)} MiB max; pages of shared binaries ${sharedOnce.toFixed(1)} MiB (held once by the host)`,
  );
  console.log(
    `  idle machines that fit in this host's memory (${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${HOST_RESERVE_MIB} MiB kept for the host; own memory each, shared binaries once)  ${fit}`,
  );
  console.log(
    `\n${JSON.stringify({ bench: 'local-machines', runs, idleSeconds, oneReadySeconds: one, threeReadySeconds: three, podRunningSeconds: pods, idleRssMiB: rss, idleOwnMiB: own })}`,
  );
} finally {
  for (const machine of await driver.list(technicalId).catch(() => [])) {
    await driver.delete({ name: machine.name, technicalId }).catch(() => undefined);
  }
  await seed.destroy(technicalId).catch(() => undefined);
  await actuator.delete(context).catch(() => undefined);
  await database.drop();
  rmSync(scratch, { recursive: true, force: true });
}
