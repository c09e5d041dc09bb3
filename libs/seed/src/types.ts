import type { KubeconfigRole, ShortLivedKubeconfig } from '@gardener-ts/pki';

/** What a seed needs to host one shoot's control plane. */
export interface ControlPlaneSpec {
  /**
   * Unique per seed and stable for the shoot's life (Gardener's technical id, e.g.
   * `shoot--dev--demo`): lower-case letters, digits and dashes.
   */
  readonly id: string;
  /** cluster name in certificates and kubeconfigs; default the id */
  readonly clusterName?: string;
  /**
   * IP address kube-apiserver listens on and advertises; it is in the serving certificate. The
   * flow passes the shoot bridge's gateway so machines reach it; tests pass 127.0.0.1.
   */
  readonly listenAddress: string;
  /** the shoot's service range (the first address becomes `kubernetes.default`) */
  readonly serviceCidr: string;
  /** the shoot's pod range, handed to the controller-manager */
  readonly podCidr?: string;
  /** further names/addresses for the apiserver certificate (say, a DNS name for users) */
  readonly extraSANs?: readonly string[];
  /**
   * Run kwok beside the control plane to move Pods bound to the shoot's nodes through their
   * phases (the nodes run no container runtime). kwok touches no Node: node health stays with the
   * machines' own agents.
   */
  readonly simulatePods?: boolean;
  /** Cluster DNS to deploy into the shoot once its API answers (shoots whose nodes run Pods). */
  readonly coreDns?: CoreDnsSpec;
}

export interface SystemComponentsHealth {
  /** false: the shoot has none (its nodes run no Pods, or none were asked for) */
  readonly deployed: boolean;
  /** what is not healthy; absent when all are */
  readonly problem?: string;
}

export interface CoreDnsSpec {
  /** the kube-dns Service's cluster IP, in the service range (the kubelets' clusterDNS) */
  readonly address: string;
  /** the CoreDNS image the nodes run */
  readonly image: string;
}

export interface ControlPlaneEndpoint {
  /** https://address:port */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  /** the cluster CA, PEM, to verify the apiserver */
  readonly caPem: string;
}

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export type ComponentState = 'waiting' | 'running' | 'backoff' | 'stopped';

export interface ComponentStatus {
  readonly name: string;
  readonly state: ComponentState;
  readonly pid?: number;
  /** how often the supervisor started it again after it died */
  readonly restarts: number;
  readonly startedAt?: string;
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
}

/**
 * Absent: nothing deployed. Running: supervisor and every component alive. Degraded: deployed,
 * but the supervisor or a component is down (the supervisor restarts components; a dead
 * supervisor is restarted by the next deploy).
 */
export type ControlPlanePhase = 'Absent' | 'Running' | 'Degraded';

export interface ControlPlaneStatus {
  readonly id: string;
  readonly phase: ControlPlanePhase;
  readonly supervisorPid?: number;
  readonly components: readonly ComponentStatus[];
}

export interface BootstrapTokenOptions {
  /** default 1 h */
  readonly ttlSeconds?: number;
  readonly description?: string;
  /** groups besides system:bootstrappers */
  readonly extraGroups?: readonly string[];
}

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
  /** `<id>.<secret>`, the bearer token a kubelet (or curl) presents */
  readonly token: string;
  readonly expiration: Date;
}

export interface KubeconfigRequest {
  readonly role: KubeconfigRole;
  /** the requesting user, who becomes the certificate's common name */
  readonly user: string;
  /** default 1 h, capped at 24 h */
  readonly expirationSeconds?: number;
}

export interface WaitOptions {
  /** default 60 s */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Hosts shoot control planes (what Gardener's botanist and etcd-druid do). Every method is
 * idempotent, so a flow task can run it again after a crash, from any gardenlet.
 */
export interface SeedBackend {
  /** Starts (or adopts, or updates) the control plane; returns once its processes are launched. */
  deploy(spec: ControlPlaneSpec): Promise<void>;
  /**
   * Waits until kube-apiserver's /readyz and the controller-manager's and scheduler's /healthz
   * answer ok, then makes sure the cluster's bootstrap objects (RBAC for node TLS bootstrap and
   * for viewers) exist.
   */
  waitReady(id: string, options?: WaitOptions): Promise<void>;
  /** One round of waitReady's checks, with no waiting and no writes: what failed, or undefined. */
  probe(id: string): Promise<string | undefined>;
  /** The system components the seed deployed into the shoot (CoreDNS), and what is wrong with them. */
  systemComponents(id: string): Promise<SystemComponentsHealth>;
  status(id: string): Promise<ControlPlaneStatus>;
  endpoint(id: string): Promise<ControlPlaneEndpoint>;
  /** Stops every process and removes the control plane's files; a missing one is fine. */
  destroy(id: string): Promise<void>;
  /** The ids of every control plane this seed holds (running, stopped or half-made), sorted. */
  list(): Promise<string[]>;
  /** Stops every process but keeps data and certificates (hibernation); deploy starts it again. */
  stop(id: string): Promise<void>;
  /** A bootstrap token for the kubelet's TLS bootstrap (CSR → approved → system:node:<name>). */
  createBootstrapToken(id: string, options?: BootstrapTokenOptions): Promise<BootstrapToken>;
  /** A short-lived admin or viewer kubeconfig (Gardener's adminkubeconfig/viewerkubeconfig). */
  issueKubeconfig(id: string, request: KubeconfigRequest): Promise<ShortLivedKubeconfig>;
}
