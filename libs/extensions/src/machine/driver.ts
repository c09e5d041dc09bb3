/**
 * What a cloud does for the machine controller (Gardener's machine-controller-manager driver):
 * create, delete, status and list machines. Every call is idempotent: create of an existing
 * machine returns it, delete of a missing one succeeds. Failures are MachineErrors whose code
 * decides whether the controller retries.
 */
export interface MachineDriver {
  create(request: CreateMachineRequest): Promise<MachineInfo>;
  delete(request: MachineRef): Promise<void>;
  /** the machine as the cloud sees it; a MachineError with code NotFound when it does not exist */
  status(request: MachineRef): Promise<MachineInfo>;
  /** every machine the cloud holds for the shoot: what the store does not know is an orphan */
  list(technicalId: string): Promise<MachineInfo[]>;
}

export interface MachineRef {
  /** the Machine's name; also the Node's name */
  readonly name: string;
  /** `shoot--<project>--<name>` of the shoot the machine belongs to */
  readonly technicalId: string;
  readonly providerId?: string;
}

/** What a machine class resolves to for one pool and zone (MCM's MachineClass.providerSpec). */
export interface MachineClassSpec {
  readonly machineType: string;
  readonly image: { readonly name: string; readonly version?: string };
  readonly zone: string;
  /** CPU and memory of the machine type, from the CloudProfile */
  readonly cpu?: string;
  readonly memory?: string;
  /** the pool's `providerConfig`, for the provider to interpret */
  readonly providerConfig?: Readonly<Record<string, unknown>>;
}

/**
 * What a machine needs to join its shoot as a Node (Gardener's OperatingSystemConfig user data):
 * the provider hands it to the machine; the kubelet on it does its TLS bootstrap with it.
 */
export interface NodeBootstrap {
  /** the shoot's kube-apiserver as machines reach it */
  readonly apiServerUrl: string;
  readonly caPem: string;
  /** `<id>.<secret>`, valid for the machine creation timeout; a secret: never logged */
  readonly bootstrapToken: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly { readonly key: string; readonly value?: string; readonly effect: string }[];
  /** the shoot's SSH public key: user `gardener` accepts it */
  readonly sshPublicKey: string;
  /** the cluster DNS Service's address, which the kubelet gives Pods as their nameserver */
  readonly clusterDns?: string;
}

export interface CreateMachineRequest extends MachineRef {
  readonly machineClass: MachineClassSpec;
  readonly bootstrap: NodeBootstrap;
  /** provider facts from the shoot's Infrastructure status (network names, gateway, …) */
  readonly infrastructure: Readonly<Record<string, string>>;
}

export interface MachineInfo {
  readonly name: string;
  readonly providerId: string;
  /** the Node name the machine registers as (MCM requires it to equal the machine name here) */
  readonly nodeName: string;
  readonly addresses: readonly { readonly type: 'InternalIP' | 'Hostname'; readonly address: string }[];
  /** Running: the cloud reports it up; Stopped: it exists but is not running */
  readonly state: 'Running' | 'Stopped';
  /** the public halves of the machine's SSH host keys, where the cloud knows them (create reports them) */
  readonly sshHostKeys?: readonly string[];
}
