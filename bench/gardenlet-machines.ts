/**
 * Local shoots WITH machines (real nodes: containerd, kubelet and kube-proxy in each) through a
 * real (in-process) gardenlet: for a pool of 1, 3 and 10 machines (local-small, zones zone-a and
 * zone-b, maxSurge 1), create to Succeeded (every node Ready, checked by listing the shoot's nodes
 * with the pinned kubectl), create to CoreDNS available (its Deployment's replicas all available),
 * delete to gone, and the idle RSS of each machine (processes of its container's cgroup, pods
 * included, after 15 s idle).
 *
 *   npm run bench -- bench/gardenlet-machines.ts [--idle 15] [--pools 1,3,10]
 *
 * Targets (issue 16, real nodes): 3 machines to all nodes Ready and CoreDNS available <= 45 s,
 * idle RSS <= 200 MiB per machine.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { exampleShoot } from '@gardener-ts/api';
import { LocalMachineDriver } from '@gardener-ts/extensions';
import { binary } from '@gardener-ts/infra/toolchain';
import { createGarden, SHOOT, until } from '../test/support/garden.js';
import { machineRssMiB, shootGone, startGardenlet } from './support.js';

const { values } = parseArgs({
  options: { idle: { type: 'string', default: '15' }, pools: { type: 'string', default: '1,3,10' } },
});
const idleSeconds = Number(values.idle);
const poolSizes = values.pools.split(',').map(Number);
if (poolSizes.length > 3 || poolSizes.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error('--pools takes up to three positive machine counts');
}
const TARGET_THREE_SECONDS = 45;
const TARGET_RSS_MIB = 200;
/** node networks 10.10.230-245 are the benchmarks'; gardenlet-shoots.ts uses 230-234 and 240-244 */
const FIRST_OCTET = 235;

const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const garden = await createGarden();
const gardenlet = await startGardenlet(garden);

const driver = new LocalMachineDriver({ root: garden.gardenletEnv.GARDENER_TS_MACHINE_DIR });

/** A local shoot whose one pool has exactly `machines` machines. */
async function createShoot(name: string, machines: number, nodesThirdOctet: number): Promise<void> {
  const shoot = exampleShoot(name, garden.namespace);
  shoot.spec.provider.workers = [
    {
      name: 'pool-a',
      machine: { type: 'local-small', image: { name: 'debian', version: '12' } },
      minimum: machines,
      maximum: Math.max(machines, 2),
      maxSurge: 1,
      maxUnavailable: 0,
      zones: ['zone-a', 'zone-b'],
    },
  ];
  shoot.spec.seedName = 'local';
  shoot.spec.networking = { ...shoot.spec.networking, nodes: `10.10.${nodesThirdOctet}.0/24` };
  // no scheduled hibernation in the middle of a run
  delete shoot.spec.hibernation;
  garden.track(name);
  await garden.resources.create(SHOOT, garden.namespace, shoot);
  await garden.enqueue(name);
}

const succeeded = (name: string) =>
  until(async () => {
    const op = (await garden.read(name)).status?.lastOperation;
    if (op?.state === 'Failed') throw new Error(`shoot ${name} failed: ${op.description}`);
    return op?.state === 'Succeeded' ? true : undefined;
  }, 600_000);
const gone = (name: string) => shootGone(garden, name, 600_000);

/** The pinned kubectl against the shoot, with an admin kubeconfig of it. */
async function shootKubectl(technicalId: string, ...args: string[]): Promise<string> {
  const kubeconfig = join(garden.root, `${technicalId}.kubeconfig`);
  const issued = await garden.seed.issueKubeconfig(technicalId, { role: 'admin', user: 'bench' });
  await writeFile(kubeconfig, issued.kubeconfig, { mode: 0o600 });
  return (await run(binary('kubectl'), ['--kubeconfig', kubeconfig, ...args])).stdout;
}

/** Resolves once every replica of the shoot's CoreDNS is available. */
const coreDnsAvailable = (technicalId: string) =>
  until(async () => {
    const json = await shootKubectl(
      technicalId,
      'get',
      'deployment',
      'coredns',
      '-n',
      'kube-system',
      '-o',
      'json',
    ).catch(() => undefined);
    const status = json
      ? (JSON.parse(json) as { spec: { replicas?: number }; status?: { availableReplicas?: number } })
      : undefined;
    const wanted = status?.spec.replicas ?? 1;
    return status && (status.status?.availableReplicas ?? 0) >= wanted ? true : undefined;
  }, 600_000);

/** Names of the shoot's nodes and whether each is Ready, through an admin kubeconfig of the shoot. */
async function listNodes(technicalId: string): Promise<{ name: string; ready: boolean }[]> {
  const stdout = await shootKubectl(technicalId, 'get', 'nodes', '-o', 'json');
  const items: {
    metadata: { name: string };
    status?: { conditions?: { type: string; status: string }[] };
  }[] = JSON.parse(stdout).items;
  return items.map((n) => ({
    name: n.metadata.name,
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  }));
}

/** Per machine, the median of five samples a second apart (heartbeats start curl and jq for a moment). */
async function idleRss(technicalId: string, names: string[]): Promise<number[]> {
  const samples = names.map(() => [] as number[]);
  for (let round = 0; round < 5; round++) {
    const sampled = await Promise.all(names.map((name) => machineRssMiB(driver, technicalId, name)));
    for (const [i, mib] of sampled.entries()) samples[i]?.push(mib);
    await sleep(1000);
  }
  return samples.map(median);
}

interface PoolResult {
  machines: number;
  create: number;
  coreDns: number;
  remove: number;
  rss: number[];
}

async function measurePool(machines: number, nodesThirdOctet: number): Promise<PoolResult> {
  const name = `pool${machines}`;
  const technicalId = `shoot--${garden.project}--${name}`;
  const started = performance.now();
  await createShoot(name, machines, nodesThirdOctet);
  await succeeded(name);
  const create = (performance.now() - started) / 1000;
  await coreDnsAvailable(technicalId);
  const coreDns = (performance.now() - started) / 1000;

  const nodes = await listNodes(technicalId);
  const notReady = nodes.filter((n) => !n.ready).map((n) => n.name);
  if (nodes.length !== machines || notReady.length > 0) {
    throw new Error(
      `${name} Succeeded with ${nodes.length}/${machines} nodes, not Ready: ${notReady.join(', ')}`,
    );
  }
  const running = (await driver.list(technicalId)).map((m) => m.name).sort();
  if (
    running.join() !==
    nodes
      .map((n) => n.name)
      .sort()
      .join()
  ) {
    throw new Error(
      `${name}: machines ${running.join()} are not the nodes ${nodes.map((n) => n.name).join()}`,
    );
  }

  await sleep(idleSeconds * 1000);
  const rss = await idleRss(technicalId, running);

  const deleting = performance.now();
  await garden.deleteShoot(name);
  await gone(name);
  const remove = (performance.now() - deleting) / 1000;
  const left = await driver.list(technicalId);
  if (left.length > 0)
    throw new Error(`${name} is gone but machines are left: ${left.map((m) => m.name).join()}`);
  console.log(
    `  pool of ${machines}: create to Succeeded ${create.toFixed(1)} s, to CoreDNS available ${coreDns.toFixed(1)} s, delete to gone ${remove.toFixed(1)} s`,
  );
  return { machines, create, coreDns, remove, rss };
}

try {
  console.log(`local shoots with machines through the gardenlet (idle ${idleSeconds} s before RSS):`);
  const results: PoolResult[] = [];
  for (const [i, machines] of poolSizes.entries()) results.push(await measurePool(machines, FIRST_OCTET + i));

  console.log('');
  for (const { machines, create, coreDns, remove, rss } of results) {
    const line = `${String(machines).padStart(2)} machine(s): create to Succeeded (all nodes Ready) ${create.toFixed(1)} s, to CoreDNS available ${coreDns.toFixed(1)} s, delete to gone ${remove.toFixed(1)} s, idle RSS per machine ${median(rss).toFixed(1)} MiB median / ${Math.max(...rss).toFixed(1)} MiB max`;
    console.log(line);
  }
  const three = results.find((r) => r.machines === 3);
  if (three) {
    const done = Math.max(three.create, three.coreDns);
    console.log(
      `3 machines create to all nodes Ready and CoreDNS available: ${done.toFixed(1)} s, target <= ${TARGET_THREE_SECONDS} s, ratio ${(done / TARGET_THREE_SECONDS).toFixed(2)} ${done <= TARGET_THREE_SECONDS ? 'MET' : 'MISSED'}`,
    );
  }
  const allRss = results.flatMap((r) => r.rss);
  const worst = Math.max(...allRss);
  console.log(
    `idle RSS per machine over ${allRss.length} machines: median ${median(allRss).toFixed(1)} MiB, max ${worst.toFixed(1)} MiB, target <= ${TARGET_RSS_MIB} MiB, ratio (max) ${(worst / TARGET_RSS_MIB).toFixed(2)} ${worst <= TARGET_RSS_MIB ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `\n${JSON.stringify({ bench: 'gardenlet-machines', idleSeconds, pools: results.map((r) => ({ ...r, rss: r.rss.map((x) => Number(x.toFixed(1))) })) })}`,
  );
} finally {
  await gardenlet.close();
  await garden.close();
}
