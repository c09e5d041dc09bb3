import type { CloudProfile, MachinePhase, Shoot } from '@gardener-ts/api';
import type { GardenerErrorCode } from '@gardener-ts/extensions';

/** What the Worker actuator and the machine controller are given for one shoot. */
export interface WorkerContext {
  readonly shoot: Shoot;
  /** `shoot--<project>--<name>`: the driver names the shoot's machines in the cloud by it */
  readonly technicalId: string;
  readonly cloudProfile: CloudProfile;
  /** provider facts from the Infrastructure status: they go into each MachineClass's providerSpec */
  readonly infrastructure: Readonly<Record<string, string>>;
  /** accepted so that an InfrastructureContext can be passed on as it is; not used here */
  readonly credentials?: Readonly<Record<string, string>>;
}

export interface WorkerMachine {
  readonly name: string;
  readonly phase: MachinePhase;
  /** the Node the machine registers as, once it was created at the provider */
  readonly node?: string;
  readonly pool?: string;
}

export interface WorkerError {
  readonly machine: string;
  /** Gardener codes for the shoot's lastErrors; empty when the failure has none (a timeout) */
  readonly codes: GardenerErrorCode[];
  readonly message: string;
}

/** One pass's view of a shoot's machines. */
export interface WorkerState {
  /** machines the pools ask for (each pool's minimum, capped by its maximum) */
  readonly desired: number;
  /** machines Running: their Node joined and is Ready */
  readonly ready: number;
  /** machines (not being deleted) made from their deployment's current template */
  readonly updated: number;
  readonly machines: WorkerMachine[];
  readonly errors: WorkerError[];
  /**
   * Every pool has exactly its desired machines, all Running on the current template, and
   * nothing is being created, replaced or deleted.
   */
  readonly settled: boolean;
}
