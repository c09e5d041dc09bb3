import type { Cidr } from '@gardener-ts/api';
import type { NodeBootstrap } from '../../../machine/driver.js';

/** Everything the driver decided about one machine, after checking the request. */
export interface MachineSpec {
  readonly name: string;
  readonly technicalId: string;
  readonly providerId: string;
  readonly machineType: string;
  readonly zone: string;
  readonly millicores: number;
  readonly memoryBytes: number;
  readonly bootstrap: NodeBootstrap;
  readonly bridge: string;
  readonly gateway: string;
  /** the shoot's node network */
  readonly network: Cidr;
}

/** ...and, once claimed, its address in the shoot's node network. */
export interface PlacedMachineSpec extends MachineSpec {
  readonly address: string;
}
