import {
  type CloudProfile,
  MACHINE_API_VERSION,
  type MachineClass,
  type MachineDeployment,
  type Shoot,
  type Worker,
} from '@gardener-ts/api';
import type { MachineClassSpec } from '@gardener-ts/extensions';
import { DEPLOYMENT_LABEL, deploymentName, POOL_LABEL, SHOOT_LABEL, templateHash } from './names.js';
import type { WorkerContext } from './types.js';

export type IntOrPercent = number | string;

/** One MachineDeployment (and MachineClass) of a pool: the pool's share in one zone. */
export interface PoolZone {
  readonly pool: Worker;
  readonly zone: string;
  readonly zoneIndex: number;
  /** `<shoot>-<pool>-z<N>`: names both the MachineDeployment and its MachineClass */
  readonly name: string;
  readonly replicas: number;
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
}

/** Gardener's spread: each zone gets size / zones, the remainder goes to the lower-index zones. */
export function distributeOverZones(zoneIndex: number, size: number, zoneCount: number): number {
  const base = Math.floor(size / zoneCount);
  return zoneIndex < size % zoneCount ? base + 1 : base;
}

/** Numbers are spread like machines; percentages stay as they are (they apply per zone). */
export function distributeIntOrPercent(
  zoneIndex: number,
  value: IntOrPercent,
  zoneCount: number,
): IntOrPercent {
  return typeof value === 'number' ? distributeOverZones(zoneIndex, value, zoneCount) : value;
}

/** An int-or-percent of `total`: surge rounds up, unavailability down (as Kubernetes does). */
export function resolveIntOrPercent(
  value: IntOrPercent | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const share = (Number.parseInt(value, 10) * total) / 100;
  return roundUp ? Math.ceil(share) : Math.floor(share);
}

function zonesOf(pool: Worker, shoot: Shoot, cloudProfile: CloudProfile): string[] {
  if (pool.zones?.length) return pool.zones;
  const region = cloudProfile.spec.regions.find((r) => r.name === shoot.spec.region);
  return [region?.zones?.[0]?.name ?? shoot.spec.region];
}

/** Every pool's deployments, zone by zone, with replicas and rolling-update limits spread. */
export function poolZones(shoot: Shoot, cloudProfile: CloudProfile): PoolZone[] {
  const shootName = shoot.metadata.name ?? '';
  return (shoot.spec.provider.workers ?? []).flatMap((pool) => {
    const zones = zonesOf(pool, shoot, cloudProfile);
    return zones.map((zone, zoneIndex) => ({
      pool,
      zone,
      zoneIndex,
      name: deploymentName(shootName, pool.name, zoneIndex),
      replicas: Math.min(
        distributeOverZones(zoneIndex, pool.minimum, zones.length),
        distributeOverZones(zoneIndex, pool.maximum, zones.length),
      ),
      maxSurge: distributeIntOrPercent(zoneIndex, pool.maxSurge ?? 1, zones.length),
      maxUnavailable: distributeIntOrPercent(zoneIndex, pool.maxUnavailable ?? 0, zones.length),
    }));
  });
}

export function workerLabels(shoot: Shoot, pool: string, deployment: string): Record<string, string> {
  return { [SHOOT_LABEL]: shoot.metadata.name ?? '', [POOL_LABEL]: pool, [DEPLOYMENT_LABEL]: deployment };
}

function imageOf(pool: Worker, cloudProfile: CloudProfile): MachineClassSpec['image'] {
  const name = pool.machine.image?.name ?? cloudProfile.spec.machineImages[0]?.name ?? '';
  const version =
    pool.machine.image?.version ??
    cloudProfile.spec.machineImages
      .find((i) => i.name === name)
      ?.versions.map((v) => v.version)
      .sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
  return version ? { name, version } : { name };
}

/** What the driver is asked to make for the zone; stored in the class's providerSpec. */
export function machineClassSpec(zone: PoolZone, cloudProfile: CloudProfile): MachineClassSpec {
  const type = cloudProfile.spec.machineTypes.find((t) => t.name === zone.pool.machine.type);
  return {
    machineType: zone.pool.machine.type,
    image: imageOf(zone.pool, cloudProfile),
    zone: zone.zone,
    ...(type ? { cpu: type.cpu, memory: type.memory } : {}),
    ...(zone.pool.providerConfig ? { providerConfig: zone.pool.providerConfig } : {}),
  };
}

/** The class's providerSpec: the driver's spec plus the Infrastructure's provider facts. */
export interface ClassProviderSpec {
  readonly machineClass: MachineClassSpec;
  readonly infrastructure: Readonly<Record<string, string>>;
}

export function machineClassFor(context: WorkerContext, zone: PoolZone): MachineClass {
  const { shoot, cloudProfile } = context;
  const spec = machineClassSpec(zone, cloudProfile);
  const providerSpec: ClassProviderSpec = {
    machineClass: spec,
    infrastructure: { ...context.infrastructure },
  };
  const type = cloudProfile.spec.machineTypes.find((t) => t.name === zone.pool.machine.type);
  const architecture = zone.pool.machine.architecture ?? type?.architecture;
  return {
    apiVersion: MACHINE_API_VERSION,
    kind: 'MachineClass',
    metadata: {
      name: zone.name,
      namespace: shoot.metadata.namespace,
      labels: workerLabels(shoot, zone.pool.name, zone.name),
    },
    provider: shoot.spec.provider.type,
    providerSpec: structuredClone(providerSpec) as unknown as Record<string, unknown>,
    nodeTemplate: {
      instanceType: spec.machineType,
      region: shoot.spec.region,
      zone: zone.zone,
      ...(type ? { capacity: { cpu: type.cpu, memory: type.memory } } : {}),
      ...(architecture ? { architecture } : {}),
    },
  };
}

export function machineDeploymentFor(context: WorkerContext, zone: PoolZone): MachineDeployment {
  const { shoot } = context;
  const { pool } = zone;
  const labels = workerLabels(shoot, pool.name, zone.name);
  const timeouts = pool.machineControllerManager;
  const machineConfiguration = {
    ...(timeouts?.machineCreationTimeout ? { creationTimeout: timeouts.machineCreationTimeout } : {}),
    ...(timeouts?.machineHealthTimeout ? { healthTimeout: timeouts.machineHealthTimeout } : {}),
    ...(timeouts?.machineDrainTimeout ? { drainTimeout: timeouts.machineDrainTimeout } : {}),
  };
  return {
    apiVersion: MACHINE_API_VERSION,
    kind: 'MachineDeployment',
    metadata: { name: zone.name, namespace: shoot.metadata.namespace, labels },
    spec: {
      replicas: zone.replicas,
      selector: { matchLabels: labels },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: zone.maxSurge, maxUnavailable: zone.maxUnavailable },
      },
      template: {
        metadata: { labels },
        spec: {
          class: { kind: 'MachineClass', name: zone.name },
          nodeTemplate: {
            metadata: {
              labels: { ...pool.labels, [POOL_LABEL]: pool.name },
              ...(pool.annotations ? { annotations: pool.annotations } : {}),
            },
            ...(pool.taints?.length ? { spec: { taints: pool.taints } } : {}),
          },
          ...(Object.keys(machineConfiguration).length ? { machineConfiguration } : {}),
        },
      },
    },
  };
}

/**
 * The template a deployment's machines are made from, as a hash: everything in its class. Node
 * labels, taints and timeouts are not part of it (changing them replaces no machine).
 */
export function classTemplateHash(machineClass: MachineClass): string {
  return templateHash({
    provider: machineClass.provider,
    providerSpec: machineClass.providerSpec,
    nodeTemplate: machineClass.nodeTemplate,
  });
}
