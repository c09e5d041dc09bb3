import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CreateMachineRequest,
  type MachineDriver,
  MachineError,
  MachineErrorCode,
  type MachineInfo,
  type MachineRef,
} from '@gardener-ts/extensions';
import { SimError, SimErrorCode } from '../errors.js';
import { type ApiResponse, unexpected } from '../kube/api-client.js';
import type { ShootConnections } from '../kube/connections.js';
import type { ApiCallStats } from '../kube/retry.js';
import { parseWorkerConfig, type SimWorkerConfig } from '../provider-config.js';
import type { BeatReport, Heartbeats } from './heartbeat.js';
import {
  belongsTo,
  deleteLatencyOf,
  heartbeats,
  type KubeLease,
  type KubeNode,
  LEASES_PATH,
  leaseFor,
  leasePath,
  machineInfoOf,
  nodeFor,
  nodePath,
  readyAtOf,
  shootNodesPath,
} from './objects.js';

/**
 * Machines without processes (after Cluster API's in-memory provider): a machine IS a Node that
 * the driver registers straight in the shoot's API server, labelled with the shoot's technical ID
 * and kept Ready by this process's heartbeat (see Heartbeats). The API server is the sim cloud's
 * only state, so any process can pick up where another left off.
 */
export class SimMachineDriver implements MachineDriver {
  constructor(
    private readonly api: ShootConnections,
    private readonly beats: Heartbeats,
    private readonly leaseDurationSeconds: number,
  ) {}

  create(request: CreateMachineRequest): Promise<MachineInfo> {
    return asMachineError(async () => {
      const config = workerConfigOf(request);
      const { technicalId, name } = request;
      this.beats.created(technicalId, name);
      // a refusing pool still answers for machines that exist; others register first, read on conflict
      const refused = refusalByFault(request, config);
      const node = refused ? await this.ownNode(technicalId, name) : await this.registerNode(request, config);
      if (!node) throw refused;
      if (heartbeats(node)) {
        await this.ensureLease(technicalId, node);
        const readyAt = readyAtOf(node);
        this.beats.keep(technicalId, readyAt > Date.now() ? readyAt : undefined);
        this.beats.renewed(technicalId, name);
      }
      return machineInfoOf(node);
    });
  }

  delete(ref: MachineRef): Promise<void> {
    return asMachineError(async () => {
      const { technicalId, name } = ref;
      const node = await this.readNode(technicalId, name);
      if (node && !belongsTo(node, technicalId)) return;
      if (!node && !(await this.ownsLease(technicalId, name))) return;
      this.beats.deleted(technicalId, name);
      if (node) {
        const latency = deleteLatencyOf(node);
        if (latency > 0) await sleep(latency);
        expectStatus(
          await this.api.delete(technicalId, nodePath(name)),
          `delete node ${name}`,
          200,
          202,
          404,
        );
      }
      expectStatus(
        await this.api.delete(technicalId, leasePath(name)),
        `delete lease ${name}`,
        200,
        202,
        404,
      );
    });
  }

  status(ref: MachineRef): Promise<MachineInfo> {
    return asMachineError(async () => {
      const node = await this.readNode(ref.technicalId, ref.name);
      if (!node || !belongsTo(node, ref.technicalId)) {
        throw new MachineError(
          MachineErrorCode.NotFound,
          `machine ${ref.name} of ${ref.technicalId} does not exist`,
        );
      }
      if (heartbeats(node)) this.beats.keep(ref.technicalId);
      return machineInfoOf(node);
    });
  }

  list(technicalId: string): Promise<MachineInfo[]> {
    return asMachineError(async () => {
      const listed = expectStatus(
        await this.api.get(technicalId, shootNodesPath(technicalId)),
        `list the nodes of ${technicalId}`,
        200,
      );
      const nodes = (listed.body as { items?: KubeNode[] }).items ?? [];
      if (nodes.some(heartbeats)) this.beats.keep(technicalId);
      return nodes.map(machineInfoOf).sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  /** the shoots whose machines this process keeps alive (a shoot without machines drops out) */
  heartbeatingShoots(): string[] {
    return this.beats.shoots();
  }

  lastHeartbeat(technicalId: string): BeatReport | undefined {
    return this.beats.lastBeat(technicalId);
  }

  /** the calls to the shoots' API servers so far: how many, retried, failed after retries, and why */
  apiStats(): ApiCallStats {
    return this.api.stats();
  }

  /** Stops every heartbeat and closes the connections (the machines then turn NotReady). */
  close(): void {
    this.beats.close();
    this.api.close();
  }

  private async readNode(technicalId: string, name: string): Promise<KubeNode | undefined> {
    const response = await this.api.get(technicalId, nodePath(name));
    if (response.status === 404) return undefined;
    return expectStatus(response, `read node ${name}`, 200).body as KubeNode;
  }

  private async ownsLease(technicalId: string, name: string): Promise<boolean> {
    const response = await this.api.get(technicalId, leasePath(name));
    if (response.status === 404) return false;
    return belongsTo(expectStatus(response, `read lease ${name}`, 200).body as KubeLease, technicalId);
  }

  /** Registers the Node, status included (as a kubelet does); one that appeared meanwhile is taken. */
  private async registerNode(request: CreateMachineRequest, config: SimWorkerConfig): Promise<KubeNode> {
    const node = nodeFor(request, config, new Date());
    const created = await this.api.post(request.technicalId, '/api/v1/nodes', node);
    if (created.status !== 409) {
      return expectStatus(created, `register node ${request.name}`, 201, 200).body as KubeNode;
    }
    const existing = await this.ownNode(request.technicalId, request.name);
    if (existing) return existing;
    // deleted between the two calls: a later create makes it
    throw unexpected(`register node ${request.name}`, created);
  }

  /** The machine's Node, undefined when absent; a Node of that name of another shoot is an error. */
  private async ownNode(technicalId: string, name: string): Promise<KubeNode | undefined> {
    const node = await this.readNode(technicalId, name);
    if (node && !belongsTo(node, technicalId)) {
      throw new MachineError(
        MachineErrorCode.InvalidArgument,
        `node ${name} exists in the API server of ${technicalId} but is no sim machine of that shoot`,
      );
    }
    return node;
  }

  private async ensureLease(technicalId: string, node: KubeNode): Promise<void> {
    const lease = leaseFor(node, technicalId, this.leaseDurationSeconds, new Date());
    expectStatus(
      await this.api.post(technicalId, LEASES_PATH, lease),
      `create lease ${node.metadata.name}`,
      201,
      200,
      409,
    );
  }
}

function workerConfigOf(request: CreateMachineRequest): SimWorkerConfig {
  const parsed = parseWorkerConfig(request.machineClass.providerConfig);
  if ('problems' in parsed)
    throw new MachineError(MachineErrorCode.InvalidArgument, parsed.problems.join('; '));
  return parsed.config;
}

/** QuotaExceeded and RateLimited refuse a new machine before anything exists, as a cloud's API would. */
function refusalByFault(request: CreateMachineRequest, config: SimWorkerConfig): MachineError | undefined {
  const { machineType, zone } = request.machineClass;
  if (config.fault === 'QuotaExceeded') {
    return new MachineError(
      MachineErrorCode.ResourceExhausted,
      `sim: quota exceeded for machine type ${machineType} in zone ${zone} (fault QuotaExceeded from the pool's WorkerConfig)`,
    );
  }
  if (config.fault === 'RateLimited') {
    return new MachineError(
      MachineErrorCode.RateLimited,
      `sim: request rate limit exceeded creating ${request.name} (fault RateLimited from the pool's WorkerConfig)`,
    );
  }
  return undefined;
}

function expectStatus(response: ApiResponse, what: string, ...accepted: number[]): ApiResponse {
  if (!accepted.includes(response.status)) throw unexpected(what, response);
  return response;
}

/** The one place where the sim's own failures become MachineErrors (codes that decide retries). */
async function asMachineError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SimError)) throw error;
    throw new MachineError(machineCodeOf(error), error.message);
  }
}

function machineCodeOf(error: SimError): MachineErrorCode {
  switch (error.code) {
    case SimErrorCode.NoShootAccess:
      return MachineErrorCode.Unimplemented;
    case SimErrorCode.ShootUnreachable:
      return MachineErrorCode.Unavailable;
    case SimErrorCode.ShootApi:
      if (error.status === 429) return MachineErrorCode.RateLimited;
      if (error.status !== undefined && error.status >= 500) return MachineErrorCode.Unavailable;
      return MachineErrorCode.Internal;
  }
}
