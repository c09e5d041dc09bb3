import type { Machine } from '@gardener-ts/api';
import { isDeleting } from './objects.js';
import { phaseOf } from './phases.js';
import { type IntOrPercent, resolveIntOrPercent } from './pools.js';

export interface SetPlan {
  readonly name: string;
  /** made from the deployment's current template */
  readonly current: boolean;
  readonly replicas: number;
  /** every machine of the set, those being deleted included */
  readonly machines: readonly Machine[];
}

export interface DeploymentPlan {
  readonly replicas: number;
  readonly maxSurge: IntOrPercent | undefined;
  readonly maxUnavailable: IntOrPercent | undefined;
  readonly sets: readonly SetPlan[];
}

function active(set: SetPlan): Machine[] {
  return set.machines.filter((m) => !isDeleting(m) && phaseOf(m) !== 'Failed');
}

function running(set: SetPlan): number {
  return active(set).filter((m) => phaseOf(m) === 'Running').length;
}

/**
 * The replicas of every MachineSet of one pool (its deployments, one per zone). A deployment
 * whose machines all come from its current template just scales. One that is rolling moves
 * machines over within limits the whole pool keeps, the sum of its zones' maxSurge and
 * maxUnavailable: never more machines (those being deleted counted) than desired + maxSurge,
 * never fewer Ready than desired − maxUnavailable. (Per zone, Gardener's spread of maxSurge 1
 * over two zones leaves one zone with 0/0, which Kubernetes turns into maxUnavailable 1; a shared
 * pool budget keeps the pool's promise instead, the zones rolling one after the other.)
 */
export function planPool(deployments: readonly DeploymentPlan[]): Map<string, number> {
  const targets = new Map<string, number>();
  let surge = 0;
  let unavailable = 0;
  for (const d of deployments) {
    surge += resolveIntOrPercent(d.maxSurge, d.replicas, true);
    unavailable += resolveIntOrPercent(d.maxUnavailable, d.replicas, false);
  }
  if (surge === 0 && unavailable === 0) surge = 1;
  const desired = deployments.reduce((sum, d) => sum + d.replicas, 0);
  let ready = deployments.reduce((sum, d) => sum + d.sets.reduce((s, set) => s + running(set), 0), 0);

  const rolling: DeploymentPlan[] = [];
  for (const d of deployments) {
    const current = d.sets.find((s) => s.current);
    const old = d.sets.filter((s) => !s.current);
    // never grow a set of an old template
    for (const s of old) targets.set(s.name, Math.min(s.replicas, active(s).length));
    if (!current) continue;
    if (old.every((s) => s.machines.length === 0)) {
      targets.set(current.name, d.replicas);
      continue;
    }
    targets.set(current.name, Math.min(current.replicas, d.replicas));
    rolling.push(d);
  }

  const footprint = () =>
    deployments.reduce(
      (sum, d) =>
        sum + d.sets.reduce((s, set) => s + Math.max(targets.get(set.name) ?? 0, set.machines.length), 0),
      0,
    );
  for (const d of rolling) {
    const current = d.sets.find((s) => s.current) as SetPlan;
    const target = targets.get(current.name) ?? 0;
    const room = desired + surge - footprint();
    targets.set(current.name, target + Math.max(0, Math.min(d.replicas - target, room)));
  }
  for (const d of rolling) {
    for (const s of d.sets.filter((set) => !set.current)) {
      // machines that are not Ready go first (the set's scale-down order), and freely
      const setReady = running(s);
      const allowance = Math.max(0, ready - (desired - unavailable));
      const target = Math.max(0, Math.min(targets.get(s.name) ?? 0, setReady - allowance));
      ready -= Math.max(0, setReady - target);
      targets.set(s.name, target);
    }
  }
  return targets;
}
