import {
  CORE_GROUP,
  EVENTS_GROUP,
  involvedObjectOf,
  type KubeObject,
  MACHINE_GROUP,
  OPERATIONS_GROUP,
  SHOOT_LABEL,
  shootOfObject,
} from '@gardener-ts/api';
import type { Decision } from './authorize.js';
import type { Identity, RequestAttributes, Verb } from './identity.js';

/**
 * Gardener's SeedAuthorizer: a gardenlet acts only on what belongs to the shoots scheduled on its
 * seed (the shoots, their `<shoot>.*` secrets and config maps, machines, bastions), its own Seed's
 * status, and reads CloudProfiles and Seeds. Everything else is 403.
 */

/** The shoots a seed holds right now, as `<namespace>/<name>` (spec.seedName is the seed). */
export interface SeedScope {
  readonly seedName: string;
  readonly shoots: ReadonlySet<string>;
}

type Rule = { verbs: readonly Verb[]; watch?: boolean };

const READ: readonly Verb[] = ['get', 'list'];
const OWNED_OBJECT: readonly Verb[] = ['get', 'create', 'update', 'patch', 'delete'];

/** `<group>/<plural>` → what a gardenlet may do with it (before looking at the object). */
const RULES: Readonly<Record<string, Rule>> = {
  [`${CORE_GROUP}/shoots`]: { verbs: ['get', 'list', 'update', 'patch'], watch: true },
  [`${CORE_GROUP}/seeds`]: { verbs: [...READ, 'update', 'patch'], watch: true },
  [`${CORE_GROUP}/cloudprofiles`]: { verbs: READ, watch: true },
  '/secrets': { verbs: OWNED_OBJECT },
  '/configmaps': { verbs: OWNED_OBJECT },
  [`${MACHINE_GROUP}/machineclasses`]: { verbs: [...OWNED_OBJECT, 'list'] },
  [`${MACHINE_GROUP}/machinedeployments`]: { verbs: [...OWNED_OBJECT, 'list'] },
  [`${MACHINE_GROUP}/machinesets`]: { verbs: [...OWNED_OBJECT, 'list'] },
  [`${MACHINE_GROUP}/machines`]: { verbs: [...OWNED_OBJECT, 'list'] },
  [`${OPERATIONS_GROUP}/bastions`]: { verbs: ['get', 'list', 'update', 'patch', 'delete'], watch: true },
  // events about its shoots, machines and bastions: recorded and counted up, never read or removed
  '/events': { verbs: ['create', 'patch'] },
  [`${EVENTS_GROUP}/events`]: { verbs: ['create', 'patch'] },
};

/** Kinds whose object names say which shoot they belong to: `<shoot>` or `<shoot>.<suffix>`. */
const ITEM_VERBS: ReadonlySet<Verb> = new Set(['get', 'update', 'patch', 'delete']);

const NAMED_BY_SHOOT = new Set([`${CORE_GROUP}/shoots`, '/secrets', '/configmaps']);

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

function ruleKey(a: Pick<RequestAttributes, 'group' | 'resource'>): string {
  return `${a.group}/${a.resource}`;
}

function shootKey(namespace: string | undefined, shootName: string): string {
  return `${namespace ?? ''}/${shootName}`;
}

/** What the request may do as far as verbs and resources go, before any object is known. */
export function seedRequestDecision(identity: Identity, a: RequestAttributes): Decision {
  const seed = identity.seedName ?? '';
  const rule = RULES[ruleKey(a)];
  const allowedVerb = a.verb === 'watch' ? rule?.watch === true : rule?.verbs.includes(a.verb);
  if (!rule || !allowedVerb)
    return deny(`the gardenlet of seed "${seed}" may not ${a.verb} ${a.resource} (SeedAuthorizer)`);
  if (a.resource === 'seeds' && a.group === CORE_GROUP && !['get', 'list', 'watch'].includes(a.verb)) {
    if (a.name !== seed || a.subresource !== 'status')
      return deny(`the gardenlet of seed "${seed}" may write the status of its own Seed only`);
  }
  if (a.subresource && a.subresource !== 'status')
    return deny(`the gardenlet of seed "${seed}" may not use ${a.resource}/${a.subresource}`);
  return allow;
}

/**
 * Decides by the name alone where the name says whose it is (shoots, `<shoot>.*` secrets and
 * config maps), so that an object of another seed is 403 whether or not it exists.
 */
export function seedNameDecision(scope: SeedScope, a: RequestAttributes): Decision {
  if (!NAMED_BY_SHOOT.has(ruleKey(a))) return allow;
  // a request for one object always names it; asked without a name (an access review), it means "any"
  if (a.name === undefined)
    return ITEM_VERBS.has(a.verb)
      ? deny(
          `the gardenlet of seed "${scope.seedName}" may ${a.verb} only ${a.resource} of its seed's shoots: ask about one by name`,
        )
      : allow;
  const shootName = a.resource === 'shoots' ? a.name : a.name.split('.')[0];
  return scope.shoots.has(shootKey(a.namespace, shootName ?? '')) &&
    (a.resource === 'shoots' || a.name.includes('.'))
    ? allow
    : deny(`${a.resource} "${a.name}" does not belong to a shoot of seed "${scope.seedName}"`);
}

/** The shoot an object hangs off, by its kind's link (name, label or reference). */
function owningShoot(object: KubeObject): string | undefined {
  const { kind, metadata } = object;
  if (kind === 'Secret' || kind === 'ConfigMap')
    return metadata.name?.includes('.') ? metadata.name.split('.')[0] : undefined;
  // an event names its shoot by label; what it is about is checked against that when it is made
  if (kind === 'Event') return metadata.labels?.[SHOOT_LABEL];
  return shootOfObject(object);
}

/** What a gardenlet's events may be about. */
const EVENT_SUBJECTS = new Set(['Shoot', 'Machine', 'MachineSet', 'MachineDeployment', 'Bastion']);

/** Whether a gardenlet's event may be about this kind at all (the object is read only then). */
export function isSeedEventSubject(kind: string | undefined): boolean {
  return EVENT_SUBJECTS.has(kind ?? '');
}

/**
 * A gardenlet's new event: the object it is about (`involved`, as stored in the event's namespace)
 * exists with the uid the event names, is one of its seed's shoots or their machines or bastions,
 * and is of the shoot the event's `shoot.gardener.cloud/name` label names.
 */
export function seedEventDecision(
  scope: SeedScope,
  event: KubeObject,
  involved: KubeObject | undefined,
): Decision {
  const ref = involvedObjectOf(event);
  const what = `${ref.kind ?? ''} "${ref.name ?? ''}"`;
  if (!isSeedEventSubject(ref.kind))
    return deny(
      `the gardenlet of seed "${scope.seedName}" records events about shoots, machines and bastions only, not ${what}`,
    );
  if (!involved || (ref.uid !== undefined && ref.uid !== involved.metadata.uid))
    return deny(`${what} in namespace "${event.metadata.namespace}" does not exist (or has another uid)`);
  if (!seedOwns(scope, involved))
    return deny(`${what} does not belong to a shoot of seed "${scope.seedName}"`);
  const labelled = event.metadata.labels?.[SHOOT_LABEL];
  return owningShoot(involved) === labelled
    ? allow
    : deny(`the event's label ${SHOOT_LABEL}="${labelled ?? ''}" does not name the shoot of ${what}`);
}

/** Whether the object belongs to the seed (readable kinds: CloudProfiles and Seeds, always). */
export function seedOwns(scope: SeedScope, object: KubeObject): boolean {
  if (object.kind === 'CloudProfile' || object.kind === 'Seed') return true;
  if (object.kind === 'Shoot')
    return (object as { spec?: { seedName?: unknown } }).spec?.seedName === scope.seedName;
  const shoot = owningShoot(object);
  return typeof shoot === 'string' && scope.shoots.has(shootKey(object.metadata.namespace, shoot));
}

/** A gardenlet's write: what was there and what will be are both the seed's, and a shoot stays on it. */
export function seedChangeDecision(
  scope: SeedScope,
  old: KubeObject | undefined,
  next: KubeObject,
): Decision {
  const name = next.metadata.name ?? '';
  if (old && !seedOwns(scope, old))
    return deny(`${old.kind} "${name}" does not belong to seed "${scope.seedName}"`);
  if (
    next.kind === 'Event' &&
    old &&
    old.metadata.labels?.[SHOOT_LABEL] !== next.metadata.labels?.[SHOOT_LABEL]
  )
    return deny(`the ${SHOOT_LABEL} label of an event cannot change`);
  if (!seedOwns(scope, next))
    return deny(
      `${next.kind} "${name}" would not belong to seed "${scope.seedName}" (a gardenlet cannot move or claim objects)`,
    );
  return allow;
}
