import {
  EventReason,
  jsonEqual,
  MACHINE_API_VERSION,
  type Machine,
  type MachineClass,
  type MachineDeployment,
  type MachineSet,
} from '@gardener-ts/api';
import type { EventRecorder } from '@gardener-ts/client';
import { type GardenerErrorCode, MachineError, MachineErrorCode } from '@gardener-ts/extensions';
import { parseDuration } from './durations.js';
import { DEPLOYMENT_LABEL, machineName, machineSetName, POOL_LABEL, TEMPLATE_HASH_LABEL } from './names.js';
import { isDeleting, type MachineObjects, type ShootObjects } from './objects.js';
import type { MachineJob } from './operations.js';
import {
  healthTimeoutFailure,
  type MachineTimeouts,
  nodeNameOf,
  observePhase,
  type PhaseChange,
  phaseOf,
  phaseSince,
  scaleDownOrder,
  statusPatch,
} from './phases.js';
import { classTemplateHash, poolZones } from './pools.js';
import { type DeploymentPlan, planPool } from './rollout.js';
import type { NodeInfo } from './shoot-nodes.js';
import type { WorkerContext, WorkerError, WorkerState } from './types.js';

type FailedMachine = NonNullable<NonNullable<MachineDeployment['status']>['failedMachines']>[number];

/** failed machines a deployment remembers for its status (and the shoot's lastErrors) */
const FAILED_MACHINES_KEPT = 5;

export interface PassDependencies {
  readonly objects: MachineObjects;
  readonly enqueue: (job: MachineJob) => Promise<void>;
  readonly now: () => Date;
  readonly defaults: MachineTimeouts;
  readonly events?: EventRecorder | undefined;
}

function setOf(machine: Machine): string | undefined {
  return machine.metadata.ownerReferences?.find((r) => r.kind === 'MachineSet')?.name;
}

function deploymentOf(obj: Machine | MachineSet): string | undefined {
  return obj.metadata.labels?.[DEPLOYMENT_LABEL];
}

function codesOf(errorCode: string | undefined): GardenerErrorCode[] {
  if (!errorCode || !Object.values<string>(MachineErrorCode).includes(errorCode)) return [];
  return new MachineError(errorCode as MachineErrorCode, '').codes;
}

/**
 * One level-based pass over a shoot's machine objects, as MCM's controllers do it: machine
 * phases from the shoot's Nodes, then deployments → sets (rolling updates) → machines (scaling,
 * replacement), then the statuses. Every step looks only at what is stored, so a pass may be
 * cut short and run again anywhere.
 */
export class ShootPass {
  private readonly machines = new Map<string, Machine>();
  private readonly sets = new Map<string, MachineSet>();
  private readonly deployments = new Map<string, MachineDeployment>();
  private readonly classes = new Map<string, MachineClass>();
  private readonly targets = new Map<string, number>();
  private readonly failures = new Map<string, FailedMachine[]>();
  private readonly namespace: string;

  constructor(
    private readonly deps: PassDependencies,
    private readonly context: WorkerContext,
    objects: ShootObjects,
    /** the shoot's Nodes by name; undefined when its API server could not be read */
    private readonly nodes: ReadonlyMap<string, NodeInfo> | undefined,
  ) {
    this.namespace = context.shoot.metadata.namespace ?? '';
    for (const m of objects.machines) this.machines.set(m.metadata.name ?? '', m);
    for (const s of objects.sets) this.sets.set(s.metadata.name ?? '', s);
    for (const d of objects.deployments) this.deployments.set(d.metadata.name ?? '', d);
    for (const c of objects.classes) this.classes.set(c.metadata.name ?? '', c);
  }

  async run(): Promise<void> {
    await this.observeMachines();
    await this.ensureCurrentSets();
    this.planReplicas();
    for (const set of [...this.sets.values()]) await this.scaleSet(set);
    await this.collectEmpty();
    await this.enqueueOperations();
    await this.writeStatuses();
  }

  /** machines (and other machine objects) still stored after the pass */
  remaining(): number {
    return this.machines.size + this.sets.size + this.deployments.size;
  }

  // ---- machines: phases from the Nodes ----

  private async observeMachines(): Promise<void> {
    const overdue: Machine[] = [];
    for (const machine of [...this.machines.values()]) {
      if (isDeleting(machine)) {
        if (machine.status?.currentStatus?.phase !== 'Terminating') await this.markTerminating(machine);
        continue;
      }
      const change = observePhase(machine, this.nodes, this.deps.now(), this.timeoutsOf(machine));
      if (change === 'overdue') overdue.push(machine);
      else if (change) await this.setPhase(machine, change);
    }
    // one Unknown → Failed replacement at a time per deployment
    overdue.sort((a, b) => phaseSince(a) - phaseSince(b));
    for (const machine of overdue) {
      if (this.replacing(deploymentOf(machine))) continue;
      await this.setPhase(machine, healthTimeoutFailure(machine, this.timeoutsOf(machine)));
    }
    for (const machine of this.machines.values()) {
      if (!isDeleting(machine) && phaseOf(machine) === 'Failed') this.recordFailure(machine);
    }
  }

  /** a machine of the deployment is being created, replaced or deleted */
  private replacing(deployment: string | undefined): boolean {
    return [...this.machines.values()].some(
      (m) =>
        deploymentOf(m) === deployment &&
        ['Terminating', 'Failed', 'Pending', 'Available'].includes(phaseOf(m)),
    );
  }

  private timeoutsOf(machine: Machine): MachineTimeouts {
    const deployment = this.deployments.get(deploymentOf(machine) ?? '');
    const config = deployment?.spec.template.spec.machineConfiguration ?? machine.spec.machineConfiguration;
    const read = (value: string | undefined, fallback: number) => {
      try {
        return value ? parseDuration(value) : fallback;
      } catch {
        return fallback;
      }
    };
    return {
      creationMs: read(config?.creationTimeout, this.deps.defaults.creationMs),
      healthMs: read(config?.healthTimeout, this.deps.defaults.healthMs),
    };
  }

  private async setPhase(machine: Machine, change: PhaseChange): Promise<void> {
    const name = machine.metadata.name ?? '';
    const updated = await this.deps.objects.mergeStatus(
      'Machine',
      this.namespace,
      name,
      statusPatch(change, this.deps.now()),
    );
    this.machines.set(name, updated);
    if (change.phase === 'Failed')
      this.deps.events?.event(
        updated,
        'Warning',
        EventReason.MachineFailed,
        change.lastOperation.description ?? 'The machine failed',
      );
  }

  private async markTerminating(machine: Machine): Promise<void> {
    await this.setPhase(machine, {
      phase: 'Terminating',
      lastOperation: {
        type: 'Delete',
        state: 'Processing',
        description: 'Deleting the machine at the provider',
      },
    });
  }

  private recordFailure(machine: Machine): void {
    const deployment = deploymentOf(machine) ?? '';
    const lastOperation = machine.status?.lastOperation ?? {};
    const list = this.failures.get(deployment) ?? [];
    list.push({ name: machine.metadata.name ?? '', ownerRef: setOf(machine), lastOperation });
    this.failures.set(deployment, list);
  }

  // ---- deployments → sets ----

  private currentSetName(deployment: MachineDeployment): string | undefined {
    const machineClass = this.classes.get(deployment.spec.template.spec.class.name);
    if (!machineClass) return undefined;
    return machineSetName(deployment.metadata.name ?? '', classTemplateHash(machineClass));
  }

  private currentSet(deployment: MachineDeployment): MachineSet | undefined {
    const name = this.currentSetName(deployment);
    const set = name ? this.sets.get(name) : undefined;
    return set && !isDeleting(set) ? set : undefined;
  }

  private setsOf(deployment: MachineDeployment): MachineSet[] {
    return [...this.sets.values()].filter((s) => deploymentOf(s) === deployment.metadata.name);
  }

  private machinesOf(set: MachineSet): Machine[] {
    return [...this.machines.values()].filter((m) => setOf(m) === set.metadata.name);
  }

  /** Each live deployment has a set for its current template; template-independent fields follow it. */
  private async ensureCurrentSets(): Promise<void> {
    for (const deployment of this.deployments.values()) {
      if (isDeleting(deployment)) continue;
      const name = this.currentSetName(deployment);
      if (!name) continue;
      const existing = this.sets.get(name);
      if (existing && isDeleting(existing)) continue; // an earlier set of this template is still going
      const template = this.setTemplate(deployment, name);
      if (existing) {
        if (!jsonEqual(existing.spec.template, template)) {
          const updated = await this.deps.objects.patch('MachineSet', this.namespace, name, {
            spec: { template },
          });
          this.sets.set(name, updated);
        }
        continue;
      }
      const rolling = this.setsOf(deployment).some((s) => this.machinesOf(s).length > 0);
      const created = await this.deps.objects.create('MachineSet', {
        apiVersion: MACHINE_API_VERSION,
        kind: 'MachineSet',
        metadata: {
          name,
          namespace: this.namespace,
          labels: template.metadata?.labels ?? {},
          ownerReferences: [ownerReference('MachineDeployment', deployment)],
        },
        spec: {
          replicas: rolling ? 0 : deployment.spec.replicas,
          selector: { matchLabels: template.metadata?.labels ?? {} },
          template,
        },
      });
      this.sets.set(name, created);
    }
  }

  private setTemplate(deployment: MachineDeployment, setName: string): MachineSet['spec']['template'] {
    const template = structuredClone(deployment.spec.template);
    const hash = setName.slice(setName.lastIndexOf('-') + 1);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [TEMPLATE_HASH_LABEL]: hash },
    };
    return template;
  }

  private planReplicas(): void {
    const pools = new Map<string, DeploymentPlan[]>();
    for (const deployment of this.deployments.values()) {
      if (isDeleting(deployment)) continue;
      const pool = deployment.metadata.labels?.[POOL_LABEL] ?? deployment.metadata.name ?? '';
      const current = this.currentSet(deployment)?.metadata.name;
      const plans = pools.get(pool) ?? [];
      plans.push({
        replicas: deployment.spec.replicas,
        maxSurge: deployment.spec.strategy?.rollingUpdate?.maxSurge,
        maxUnavailable: deployment.spec.strategy?.rollingUpdate?.maxUnavailable,
        sets: this.setsOf(deployment)
          .filter((s) => !isDeleting(s))
          .map((s) => ({
            name: s.metadata.name ?? '',
            current: s.metadata.name === current,
            replicas: s.spec.replicas,
            machines: this.machinesOf(s),
          })),
      });
      pools.set(pool, plans);
    }
    for (const plans of pools.values()) {
      for (const [name, replicas] of planPool(plans)) this.targets.set(name, replicas);
    }
  }

  // ---- sets → machines ----

  private liveDeploymentOf(set: MachineSet): MachineDeployment | undefined {
    const deployment = this.deployments.get(deploymentOf(set) ?? '');
    return deployment && !isDeleting(deployment) ? deployment : undefined;
  }

  private async scaleSet(set: MachineSet): Promise<void> {
    const name = set.metadata.name ?? '';
    const target = isDeleting(set) ? 0 : (this.targets.get(name) ?? 0);
    if (!isDeleting(set) && set.spec.replicas !== target) {
      this.sets.set(
        name,
        await this.deps.objects.patch('MachineSet', this.namespace, name, {
          spec: { replicas: target },
        }),
      );
    }
    const machines = this.machinesOf(set).filter((m) => !isDeleting(m));
    for (const failed of machines.filter((m) => phaseOf(m) === 'Failed')) {
      this.deps.events?.event(
        failed,
        'Normal',
        EventReason.MachineReplaced,
        `The failed machine is deleted; MachineSet ${name} makes a new one in its place`,
      );
      await this.deleteMachine(failed);
    }
    const active = machines.filter((m) => phaseOf(m) !== 'Failed').sort(scaleDownOrder);
    for (const machine of active.slice(0, Math.max(0, active.length - target)))
      await this.deleteMachine(machine);
    if (isDeleting(set) || !this.liveDeploymentOf(set)) return;
    for (let i = active.length; i < target; i++) await this.createMachine(this.sets.get(name) ?? set);
  }

  private async createMachine(set: MachineSet): Promise<void> {
    const template = set.spec.template;
    const machine: Machine = {
      apiVersion: MACHINE_API_VERSION,
      kind: 'Machine',
      metadata: {
        name: machineName(set.metadata.name ?? ''),
        namespace: this.namespace,
        labels: { ...template.metadata?.labels },
        ownerReferences: [ownerReference('MachineSet', set)],
      },
      spec: structuredClone(template.spec),
    };
    const created = await this.deps.objects.create(
      'Machine',
      machine,
      statusPatch(
        {
          phase: 'Pending',
          lastOperation: {
            type: 'Create',
            state: 'Processing',
            description: 'Creating the machine at the provider',
          },
        },
        this.deps.now(),
      ),
    );
    this.machines.set(created.metadata.name ?? '', created);
  }

  private async deleteMachine(machine: Machine): Promise<void> {
    const name = machine.metadata.name ?? '';
    await this.deps.objects.delete('Machine', this.namespace, name);
    const marked = await this.deps.objects.find('Machine', this.namespace, name);
    if (!marked) {
      this.machines.delete(name);
      return;
    }
    this.machines.set(name, marked);
    await this.markTerminating(marked);
  }

  /** Old sets once empty, sets and deployments being deleted once what they own is gone. */
  private async collectEmpty(): Promise<void> {
    for (const machine of [...this.machines.values()]) {
      const owner = this.sets.get(setOf(machine) ?? '');
      if (!owner && !isDeleting(machine)) await this.deleteMachine(machine);
    }
    for (const set of [...this.sets.values()]) {
      const deployment = this.liveDeploymentOf(set);
      const obsolete =
        isDeleting(set) || !deployment || set.metadata.name !== this.currentSet(deployment)?.metadata.name;
      if (!obsolete) continue;
      const name = set.metadata.name ?? '';
      if (this.machinesOf(set).length > 0) {
        if (!deployment && !isDeleting(set))
          await this.deps.objects.delete('MachineSet', this.namespace, name);
        continue;
      }
      if ((this.targets.get(name) ?? 0) > 0 && !isDeleting(set)) continue;
      await this.deps.objects.delete('MachineSet', this.namespace, name);
      await this.deps.objects.release('MachineSet', this.namespace, name);
      this.sets.delete(name);
    }
    for (const deployment of [...this.deployments.values()]) {
      if (!isDeleting(deployment) || this.setsOf(deployment).length > 0) continue;
      await this.deps.objects.release('MachineDeployment', this.namespace, deployment.metadata.name ?? '');
      this.deployments.delete(deployment.metadata.name ?? '');
    }
  }

  private async enqueueOperations(): Promise<void> {
    for (const machine of this.machines.values()) {
      const creating = !machine.spec.providerID && phaseOf(machine) === 'Pending';
      if (isDeleting(machine) || creating) await this.deps.enqueue(this.jobOf(machine));
    }
  }

  private jobOf(machine: Machine): MachineJob {
    return {
      namespace: this.namespace,
      name: machine.metadata.name ?? '',
      uid: machine.metadata.uid ?? '',
      technicalId: this.context.technicalId,
      shoot: this.context.shoot.metadata.name ?? '',
      provider: this.context.shoot.spec.provider.type,
      deleting: isDeleting(machine),
    };
  }

  // ---- statuses ----

  private async writeStatuses(): Promise<void> {
    for (const set of [...this.sets.values()]) {
      const machines = this.machinesOf(set).filter((m) => !isDeleting(m));
      const running = machines.filter((m) => phaseOf(m) === 'Running').length;
      await this.writeStatus('MachineSet', set, {
        observedGeneration: set.metadata.generation,
        replicas: machines.length,
        fullyLabeledReplicas: machines.length,
        readyReplicas: running,
        availableReplicas: running,
      });
    }
    for (const deployment of [...this.deployments.values()]) {
      const machines = this.setsOf(deployment).flatMap((s) => this.machinesOf(s));
      const live = machines.filter((m) => !isDeleting(m));
      const running = live.filter((m) => phaseOf(m) === 'Running').length;
      const current = this.currentSet(deployment);
      const failed = this.settledDeployment(deployment)
        ? []
        : [
            ...(deployment.status?.failedMachines ?? []),
            ...(this.failures.get(deployment.metadata.name ?? '') ?? []),
          ]
            .filter((f, i, all) => all.findIndex((g) => g.name === f.name) === i)
            .slice(-FAILED_MACHINES_KEPT);
      await this.writeStatus('MachineDeployment', deployment, {
        observedGeneration: deployment.metadata.generation,
        replicas: live.length,
        updatedReplicas: current ? this.machinesOf(current).filter((m) => !isDeleting(m)).length : 0,
        readyReplicas: running,
        availableReplicas: running,
        unavailableReplicas: Math.max(0, deployment.spec.replicas - running),
        ...(failed.length ? { failedMachines: failed } : {}),
      });
    }
  }

  private async writeStatus<T extends MachineSet | MachineDeployment>(
    kind: T['kind'],
    obj: T,
    status: Record<string, unknown>,
  ): Promise<void> {
    const old = (obj.status ?? {}) as Record<string, unknown>;
    if (jsonEqual(old, status)) return;
    // a merge patch: fields the new status no longer has are removed with null
    const patch: Record<string, unknown> = { ...status };
    for (const key of Object.keys(old)) if (!(key in status)) patch[key] = null;
    const updated = await this.deps.objects.mergeStatus(kind, this.namespace, obj.metadata.name ?? '', patch);
    if (kind === 'MachineSet') this.sets.set(obj.metadata.name ?? '', updated as MachineSet);
    else this.deployments.set(obj.metadata.name ?? '', updated as MachineDeployment);
  }

  /** all desired machines Running on the current template, nothing else left */
  private settledDeployment(deployment: MachineDeployment): boolean {
    if (isDeleting(deployment)) return false;
    const current = this.currentSet(deployment);
    const sets = this.setsOf(deployment);
    if (!current || sets.length !== 1) return false;
    const machines = this.machinesOf(current);
    return (
      machines.length === deployment.spec.replicas &&
      machines.every((m) => !isDeleting(m) && phaseOf(m) === 'Running')
    );
  }

  // ---- the summary ----

  state(extraErrors: WorkerError[]): WorkerState {
    const zones = poolZones(this.context.shoot, this.context.cloudProfile);
    const desired = zones.reduce((sum, z) => sum + z.replicas, 0);
    const machines = [...this.machines.values()].sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    const live = machines.filter((m) => !isDeleting(m));
    const updated = [...this.deployments.values()]
      .map((d) => this.currentSet(d))
      .reduce((sum, s) => sum + (s ? this.machinesOf(s).filter((m) => !isDeleting(m)).length : 0), 0);
    const errors = [...this.machineErrors(machines), ...extraErrors];
    const expected = new Map(zones.map((z) => [z.name, z.replicas]));
    const settled =
      extraErrors.length === 0 &&
      this.deployments.size === expected.size &&
      [...this.deployments.values()].every(
        (d) => expected.get(d.metadata.name ?? '') === d.spec.replicas && this.settledDeployment(d),
      ) &&
      machines.length === desired;
    return {
      desired,
      ready: live.filter((m) => phaseOf(m) === 'Running').length,
      updated,
      machines: machines.map((m) => ({
        name: m.metadata.name ?? '',
        phase: phaseOf(m),
        ...(m.spec.providerID ? { node: nodeNameOf(m) } : {}),
        ...(m.metadata.labels?.[POOL_LABEL] ? { pool: m.metadata.labels[POOL_LABEL] } : {}),
      })),
      errors,
      settled,
    };
  }

  /** errors machines show now, and those their deployments remember until they settle */
  private machineErrors(machines: Machine[]): WorkerError[] {
    const errors = new Map<string, WorkerError>();
    for (const deployment of this.deployments.values()) {
      for (const failed of deployment.status?.failedMachines ?? []) {
        errors.set(failed.name, {
          machine: failed.name,
          codes: codesOf(failed.lastOperation.errorCode),
          message: failed.lastOperation.description ?? 'the machine failed',
        });
      }
    }
    for (const machine of machines) {
      const operation = machine.status?.lastOperation;
      const failed = !isDeleting(machine) && phaseOf(machine) === 'Failed';
      if (!operation || !(operation.errorCode || failed)) continue;
      const name = machine.metadata.name ?? '';
      errors.set(name, {
        machine: name,
        codes: codesOf(operation.errorCode),
        message: operation.description ?? 'the machine failed',
      });
    }
    return [...errors.values()];
  }
}

function ownerReference(kind: 'MachineDeployment' | 'MachineSet', owner: MachineDeployment | MachineSet) {
  return {
    apiVersion: MACHINE_API_VERSION,
    kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
