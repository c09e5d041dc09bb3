import type { KubeconfigIssuer } from './kube/kubeconfig.js';
import type { ApiRetrySettings } from './kube/retry.js';

/**
 * Admin access to one shoot's kube-apiserver over mutual TLS: the sim cloud's "hypervisor" makes
 * machines by registering Nodes there directly, so it needs to write Nodes and Leases.
 */
export interface ShootAccess {
  /** https://host:port of the shoot's kube-apiserver */
  readonly server: string;
  /** the cluster CA (PEM) that signed the API server's serving certificate */
  readonly caPem: string;
  /** a client certificate (PEM) in group system:masters, or otherwise allowed to write nodes and leases */
  readonly certPem: string;
  /** its private key (PEM): a secret, never logged */
  readonly keyPem: string;
  /** when the certificate expires: the provider asks for new access shortly before */
  readonly expiresAt?: Date;
}

/** Gives admin access to the shoot with this technical ID (`shoot--<project>--<name>`). */
export type ShootAccessSource = (technicalId: string) => Promise<ShootAccess>;

/** How the sim keeps its machines' Nodes alive (the kubelet's heartbeat, batched per shoot). */
export interface HeartbeatSettings {
  /** how often each Node's Lease in kube-node-lease is renewed; default 10 s (the kubelet's) */
  readonly intervalMs?: number;
  /** how often a Ready Node's Ready condition heartbeat is refreshed; default 60 s */
  readonly statusIntervalMs?: number;
  /** the Leases' leaseDurationSeconds; default 40 (the kubelet's) */
  readonly leaseDurationSeconds?: number;
  /** API calls in flight at once per shoot during a heartbeat; default 16 */
  readonly concurrency?: number;
  /** heartbeats in a row that fail for a whole shoot before it is given up; default 6 */
  readonly maxFailedBeats?: number;
}

/**
 * What `createProvider` is given (ExtensionRegistry.load passes the same object to every provider
 * package, so further fields are ignored). Every field may be missing when the provider is made
 * only to validate provider configs at admission; the actuators then fail when called.
 */
export interface SimProviderDependencies {
  /** how the machine driver reaches each shoot's API server; see shootAccessFromSeed */
  readonly shootAccess?: ShootAccessSource;
  /** the seed hosting the shoots' control planes (what the gardenlet passes): access comes from it when shootAccess is not given */
  readonly seed?: KubeconfigIssuer;
  /**
   * where the sim cloud keeps its records (each shoot's SSH key pair, 0600); default
   * GARDENER_TS_SIM_DIR, else $XDG_STATE_HOME/gardener-ts/sim-cloud (~/.local/state/...)
   */
  readonly stateDir?: string;
  readonly heartbeat?: HeartbeatSettings;
  /** how calls to the shoots' API servers are timed out and retried; see DEFAULT_API_RETRY */
  readonly apiRetry?: ApiRetrySettings;
}
