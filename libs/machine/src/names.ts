import { createHash, randomInt } from 'node:crypto';

import { SHOOT_LABEL } from '@gardener-ts/api';

/** Every object of a shoot's workers carries it: the controller lists by it. */
export { SHOOT_LABEL };
export const POOL_LABEL = 'worker.gardener.cloud/pool';
/** Selects a MachineDeployment's sets and machines. */
export const DEPLOYMENT_LABEL = 'machine.sapcloud.io/deployment';
/** MCM's label: the template a MachineSet (and its machines) was made from. */
export const TEMPLATE_HASH_LABEL = 'machine-template-hash';
/** Held by deployments, sets and machines until what they own is gone. */
export const MACHINE_FINALIZER = 'machine.sapcloud.io/machine-controller-manager';

export function deploymentName(shootName: string, poolName: string, zoneIndex: number): string {
  return `${shootName}-${poolName}-z${zoneIndex + 1}`;
}

export function machineSetName(deploymentName: string, templateHash: string): string {
  return `${deploymentName}-${templateHash}`;
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `<machineset>-<random5>`; also the Node's name. */
export function machineName(machineSetName: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${machineSetName}-${suffix}`;
}

/** Five characters naming a machine template: a change anywhere in it gives a new MachineSet. */
export function templateHash(template: unknown): string {
  return createHash('sha256').update(stableJson(template)).digest('hex').slice(0, 5);
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function shootSelector(shootName: string): string {
  return `${SHOOT_LABEL}=${shootName}`;
}
