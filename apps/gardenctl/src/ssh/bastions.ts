import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import type { GardenClient, KubeObject } from '../garden/client.js';
import { checkBastionAddress, checkHostKey } from './untrusted.js';
import type { BastionEndpoint } from './workspace.js';

export const OPERATIONS = '/apis/operations.gardener.cloud/v1alpha1';
const KEEPALIVE = { metadata: { annotations: { 'gardener.cloud/operation': 'keepalive' } } };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface BastionObject extends KubeObject {
  spec?: { shootRef?: { name?: string }; sshPublicKey?: string; ingress?: { ipBlock: { cidr: string } }[] };
  status?: {
    ingress?: { ip?: string; hostname?: string };
    sshHostKeys?: string[];
    conditions?: Condition[];
    expirationTimestamp?: string;
  };
}

/** `cli-` and 8 random lowercase letters and digits, as gardenctl-v2 names its bastions. */
export function bastionName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `cli-${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** A bastion as `gardenctl ssh` asks for it. */
export interface BastionRequest {
  name: string;
  shoot: string;
  sshPublicKey: string;
  cidrs: readonly string[];
  /** with the keepalive annotation (gardenctl-v2 sets it on create-or-patch), unless --no-keepalive */
  keepalive: boolean;
}

/** Where a waiting command tells how it is going. */
export type Progress = (state: { elapsedMs: number; message: string }) => void;

/** One project's Bastions through the garden API. */
export class Bastions {
  constructor(
    private readonly client: GardenClient,
    private readonly namespace: string,
  ) {}

  private path(name?: string): string {
    const collection = `${OPERATIONS}/namespaces/${this.namespace}/bastions`;
    return name ? `${collection}/${encodeURIComponent(name)}` : collection;
  }

  create(request: BastionRequest): Promise<BastionObject> {
    const { name, shoot, sshPublicKey, cidrs } = request;
    return this.client.post<BastionObject>(this.path(), {
      apiVersion: 'operations.gardener.cloud/v1alpha1',
      kind: 'Bastion',
      metadata: { name, namespace: this.namespace, ...(request.keepalive ? KEEPALIVE.metadata : {}) },
      spec: { shootRef: { name: shoot }, sshPublicKey, ingress: ingressOf(cidrs) },
    });
  }

  /**
   * gardenctl-v2's create-or-patch for `--bastion-name`: the bastion is made, or, when one of that
   * name exists for this shoot and this public key, taken over (its ingress set to `cidrs`).
   */
  async createOrReuse(request: BastionRequest): Promise<'created' | 'reused'> {
    const existing = await this.get(request.name);
    if (!existing) {
      await this.create(request);
      return 'created';
    }
    checkReusable(existing, request);
    await this.client.patch(this.path(request.name), {
      ...(request.keepalive ? KEEPALIVE : {}),
      spec: { ingress: ingressOf(request.cidrs) },
    });
    return 'reused';
  }

  get(name: string): Promise<BastionObject | undefined> {
    return this.client.get<BastionObject>(this.path(name));
  }

  list(): Promise<BastionObject[]> {
    return this.client.list(this.path()) as Promise<BastionObject[]>;
  }

  /** Moves the expiry an hour on (the gardenlet acts on the annotation and removes it). */
  async keepalive(name: string): Promise<void> {
    await this.client.patch(this.path(name), KEEPALIVE);
  }

  setIngress(name: string, cidrs: readonly string[]): Promise<BastionObject> {
    return this.client.patch<BastionObject>(this.path(name), { spec: { ingress: ingressOf(cidrs) } });
  }

  delete(name: string): Promise<void> {
    return this.client.delete(this.path(name));
  }

  /** Polls until the bastion is Ready with an address; reports progress; gives up at the timeout or the signal. */
  async waitReady(
    name: string,
    timeoutMs: number,
    progress: Progress,
    signal: AbortSignal,
  ): Promise<BastionEndpoint> {
    const started = Date.now();
    for (;;) {
      const bastion = await this.get(name);
      if (!bastion) {
        throw new GardenctlError(
          GardenctlErrorCode.Bastion,
          `bastion "${name}" disappeared while gardenctl waited for it`,
          'it was deleted, or expired; run gardenctl ssh again',
        );
      }
      const ready = bastion.status?.conditions?.find((c) => c.type === 'BastionReady');
      const ingress = bastion.status?.ingress;
      if (ready?.status === 'True' && (ingress?.ip || ingress?.hostname)) return endpointOf(name, bastion);
      const elapsedMs = Date.now() - started;
      progress({ elapsedMs, message: ready?.message ?? 'waiting for the gardenlet to create it' });
      if (elapsedMs >= timeoutMs) {
        throw new GardenctlError(
          GardenctlErrorCode.Bastion,
          `bastion "${name}" did not become ready within ${Math.round(timeoutMs / 1000)} s${ready?.message ? `: ${ready.message}` : ''}`,
          "check that a gardenlet runs for the shoot's seed, or give it longer with --wait-timeout",
        );
      }
      await sleep(Math.min(1000, timeoutMs - elapsedMs), undefined, { signal });
    }
  }
}

/** The bastion's address and host keys, each checked: the status is not gardenctl's to trust. */
function endpointOf(name: string, bastion: BastionObject): BastionEndpoint {
  const source = `bastion "${name}"`;
  const ip = checkBastionAddress(bastion.status?.ingress?.ip, bastion.status?.ingress?.hostname, source);
  const keys: unknown = bastion.status?.sshHostKeys ?? [];
  if (!Array.isArray(keys)) return { ip, hostKeys: [checkHostKey(keys, source)] };
  return { ip, hostKeys: keys.map((key) => checkHostKey(key, source)) };
}

/** `ssh-ed25519 AAAA…` without its comment */
const keyOf = (line: string | undefined) => (line ?? '').trim().split(/\s+/).slice(0, 2).join(' ');

function checkReusable(existing: BastionObject, request: BastionRequest): void {
  const name = `bastion "${request.name}"`;
  if (existing.metadata.deletionTimestamp) {
    throw new GardenctlError(
      GardenctlErrorCode.Bastion,
      `${name} is being deleted`,
      'choose another --bastion-name',
    );
  }
  const shoot = existing.spec?.shootRef?.name;
  if (shoot !== request.shoot) {
    throw new GardenctlError(
      GardenctlErrorCode.Bastion,
      `${name} exists for shoot "${shoot}", not "${request.shoot}"`,
      'choose another --bastion-name, or target that shoot',
    );
  }
  if (keyOf(existing.spec?.sshPublicKey) !== keyOf(request.sshPublicKey)) {
    throw new GardenctlError(
      GardenctlErrorCode.Bastion,
      `${name} exists, and was made for another public SSH key`,
      'pass the key pair it was made with (--public-key-file and --private-key-file), or choose another --bastion-name',
    );
  }
}

function ingressOf(cidrs: readonly string[]) {
  return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
}
