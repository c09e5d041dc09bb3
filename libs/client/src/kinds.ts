import {
  type Bastion,
  type CloudProfile,
  type ConfigMap,
  type Event,
  type Machine,
  type MachineClass,
  type MachineDeployment,
  type MachineSet,
  type Project,
  type ResourceType,
  requireResourceByKind,
  type Secret,
  type Seed,
  type Shoot,
} from '@gardener-ts/api';

/** The kinds controllers read and write, by kind name: what `get('Shoot', …)` returns. */
export interface GardenKinds {
  Bastion: Bastion;
  CloudProfile: CloudProfile;
  ConfigMap: ConfigMap;
  Event: Event;
  Machine: Machine;
  MachineClass: MachineClass;
  MachineDeployment: MachineDeployment;
  MachineSet: MachineSet;
  Project: Project;
  Secret: Secret;
  Seed: Seed;
  Shoot: Shoot;
}

export type GardenKind = keyof GardenKinds;
export type ObjectOf<K extends GardenKind> = GardenKinds[K];

export function resourceTypeOf(kind: GardenKind): ResourceType {
  return requireResourceByKind(kind);
}
