import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { FieldError } from '../errors.js';
import { type KubeObject, objectMetaSchema } from '../meta.js';
import { MACHINE_GROUP } from './groups.js';
import { SHOOT_LABEL } from './shoot.js';

/**
 * Kubernetes' Event in its two versions: core/v1 (what is stored, as kube-apiserver stores it) and
 * events.k8s.io/v1 (the same objects under other field names). The garden's controllers record
 * what they do and why; users read them (`kubectl describe`, `kubectl events`).
 */
export const EVENTS_GROUP = 'events.k8s.io';
export const EVENTS_VERSION = 'v1';
export const EVENTS_API_VERSION = `${EVENTS_GROUP}/${EVENTS_VERSION}`;

export const EVENT_TYPES = ['Normal', 'Warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** kube-apiserver's `--event-ttl` default: an event not written again for an hour goes. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60 * 1000;

/** RFC 3339 (metav1.Time, or MicroTime with fractions); null is the zero time. */
const time = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, 'must be an RFC 3339 time')
  .nullable()
  .optional();

export const objectReferenceSchema = z.strictObject({
  kind: z.string().optional(),
  namespace: z.string().optional(),
  name: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
});
export type ObjectReference = z.infer<typeof objectReferenceSchema>;

const eventSourceSchema = z.strictObject({
  component: z.string().optional(),
  host: z.string().optional(),
});

const eventSeriesSchema = z.strictObject({
  count: z.int().optional(),
  lastObservedTime: time,
});

const eventType = z.enum(EVENT_TYPES).optional();

/** core/v1 Event, the stored shape. */
export const eventSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Event'),
  metadata: objectMetaSchema,
  involvedObject: objectReferenceSchema,
  reason: z.string().optional(),
  message: z.string().optional(),
  source: eventSourceSchema.optional(),
  firstTimestamp: time,
  lastTimestamp: time,
  count: z.int().optional(),
  type: eventType,
  eventTime: time,
  series: eventSeriesSchema.optional(),
  action: z.string().optional(),
  related: objectReferenceSchema.optional(),
  reportingComponent: z.string().optional(),
  reportingInstance: z.string().optional(),
});
export type Event = z.infer<typeof eventSchema>;

/** events.k8s.io/v1 Event. */
export const eventsV1EventSchema = z.strictObject({
  apiVersion: z.literal(EVENTS_API_VERSION),
  kind: z.literal('Event'),
  metadata: objectMetaSchema,
  eventTime: time,
  series: eventSeriesSchema.optional(),
  reportingController: z.string().optional(),
  reportingInstance: z.string().optional(),
  action: z.string().optional(),
  reason: z.string().optional(),
  regarding: objectReferenceSchema,
  related: objectReferenceSchema.optional(),
  note: z.string().optional(),
  type: eventType,
  deprecatedSource: eventSourceSchema.optional(),
  deprecatedFirstTimestamp: time,
  deprecatedLastTimestamp: time,
  deprecatedCount: z.int().optional(),
});
export type EventsV1Event = z.infer<typeof eventsV1EventSchema>;

/** core/v1 field ↔ events.k8s.io/v1 field, where the names differ (Kubernetes' conversion). */
const RENAMED: ReadonlyArray<readonly [core: string, events: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];

function renamed(obj: KubeObject, from: 0 | 1, apiVersion: string): KubeObject {
  const to = from === 0 ? 1 : 0;
  const names = new Map(RENAMED.map((pair) => [pair[from], pair[to]]));
  const next: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) next[names.get(key) ?? key] = value;
  next.apiVersion = apiVersion;
  return next as KubeObject;
}

/** An events.k8s.io/v1 Event as the core/v1 Event it is stored as. */
export function eventToCore(obj: KubeObject): KubeObject {
  return renamed(obj, 1, 'v1');
}

/** A stored (core/v1) Event as events.k8s.io/v1 shows it. */
export function eventFromCore(obj: KubeObject): KubeObject {
  return renamed(obj, 0, EVENTS_API_VERSION);
}

/** A field selector of events.k8s.io/v1 as the stored field it reads (`regarding.name` → `involvedObject.name`). */
export function eventFieldToCore(field: string): string {
  const [head = '', ...rest] = field.split('.');
  const core = RENAMED.find(([, events]) => events === head)?.[0];
  return core ? [core, ...rest].join('.') : field;
}

/**
 * Reasons the garden's controllers record, Gardener's names where Gardener has them
 * (pkg/apis/core/v1beta1 constants; the machine and bastion ones are ours).
 */
export const EventReason = {
  Reconciling: 'Reconciling',
  Reconciled: 'Reconciled',
  ReconcileError: 'ReconcileError',
  Deleting: 'Deleting',
  Deleted: 'Deleted',
  DeleteError: 'DeleteError',
  Hibernated: 'Hibernated',
  WokenUp: 'WokenUp',
  SchedulingSuccessful: 'SchedulingSuccessful',
  SchedulingFailed: 'SchedulingFailed',
  MachineCreated: 'Created',
  MachineCreationFailed: 'CreationFailed',
  MachineFailed: 'Failed',
  MachineReplaced: 'Replaced',
  MachineDeleted: 'Deleted',
  BastionReady: 'Ready',
} as const;
export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/**
 * The shoot an object an event may be about belongs to: a Shoot itself, a machine.sapcloud.io
 * object by its shoot label, a Bastion by its shootRef. Events carry it as their shoot label.
 */
export function shootOfObject(object: KubeObject): string | undefined {
  const { kind, metadata } = object;
  if (kind === 'Shoot') return metadata.name;
  if (object.apiVersion?.startsWith(`${MACHINE_GROUP}/`)) return metadata.labels?.[SHOOT_LABEL];
  if (kind === 'Bastion') {
    const name = (object.spec as { shootRef?: { name?: unknown } } | undefined)?.shootRef?.name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}

/** The object an event (of either version) is about; empty when it names none. */
export function involvedObjectOf(event: KubeObject): ObjectReference {
  const ref = event.involvedObject ?? event.regarding;
  return typeof ref === 'object' && ref !== null && !Array.isArray(ref) ? (ref as ObjectReference) : {};
}

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

/** What kubectl and client-go select events by (`kubectl describe`, `kubectl events --for`). */
export const CORE_EVENT_FIELD_SELECTORS: readonly string[] = [
  ...REFERENCE_FIELDS.map((f) => `involvedObject.${f}`),
  'reason',
  'reportingComponent',
  'type',
];
export const EVENTS_V1_FIELD_SELECTORS: readonly string[] = [
  ...REFERENCE_FIELDS.map((f) => `regarding.${f}`),
  'reason',
  'reportingController',
  'type',
];

/**
 * Kubernetes' event rules that matter here: the object an event is about lives in the event's
 * namespace, and an event stays about that object (its involvedObject cannot change).
 */
export function validateEvent(event: Event, old: Event | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const involved = event.involvedObject;
  if (!involved.kind || !involved.name)
    errors.push({
      type: 'FieldValueRequired',
      field: 'involvedObject',
      message: 'kind and name of the object the event is about are required',
    });
  if (involved.namespace !== undefined && involved.namespace !== event.metadata.namespace)
    errors.push({
      type: 'FieldValueInvalid',
      field: 'involvedObject.namespace',
      message: 'does not match event.namespace',
    });
  if (old && !isDeepStrictEqual(old.involvedObject, involved))
    errors.push({ type: 'FieldValueForbidden', field: 'involvedObject', message: 'field is immutable' });
  return errors;
}
