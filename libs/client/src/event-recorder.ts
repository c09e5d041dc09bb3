import { randomInt } from 'node:crypto';
import {
  type Event,
  type EventReason,
  type EventType,
  type KubeObject,
  type ObjectReference,
  SHOOT_LABEL,
  shootOfObject,
  timestamp,
} from '@gardener-ts/api';
import { isNotFound } from './errors.js';
import type { GardenClient } from './garden-client.js';

/** Where a recorder reports what it could not record (it never throws). */
export interface EventRecorderLogger {
  warn(message: string): void;
}

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`: gardenlet, gardener-scheduler, machine-controller … */
  readonly component: string;
  /** `reportingInstance` and `source.host`: which process (e.g. the gardenlet's host name) */
  readonly instance?: string;
  readonly logger: EventRecorderLogger;
  /** the same event within this long counts up the last one (client-go's aggregation); default 10 min */
  readonly aggregationWindowMs?: number;
  /** how many distinct events are remembered for aggregation (least recently seen forgotten first) */
  readonly maxRemembered?: number;
  /** writes waiting beyond this are dropped (and logged): recording never holds a controller up */
  readonly maxQueued?: number;
  readonly now?: () => Date;
}

/** events dropped for a full queue are reported at most this often */
const DROP_LOG_MS = 10_000;

/** Kubernetes keeps event messages to 1 kB (events.k8s.io note). */
const MAX_MESSAGE = 1024;

interface Remembered {
  readonly key: string;
  readonly name: string;
  readonly count: number;
  readonly lastMs: number;
}

interface Pending {
  readonly key: string;
  readonly event: Event;
}

function referenceOf(object: KubeObject): ObjectReference {
  const { namespace, name, uid } = object.metadata;
  return {
    kind: object.kind,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(uid ? { uid } : {}),
    apiVersion: object.apiVersion,
  };
}

function truncated(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 3)}...`;
}

let lastNanos = 0n;

/**
 * client-go's name: the object's name and the time in hex nanoseconds. Within a millisecond the
 * clock has no nanoseconds here: a random part against clashes with other processes, kept above
 * this process's previous name so that its events sort by name in the order they happened.
 */
function eventName(objectName: string, now: Date): string {
  const random = BigInt(now.getTime()) * 1_000_000n + BigInt(randomInt(1_000_000));
  lastNanos = random > lastNanos ? random : lastNanos + 1n;
  return `${objectName}.${lastNanos.toString(16)}`;
}

/**
 * Records Events about the objects a controller acts on, as client-go's recorder does: one write
 * per event, in the background, in order; the same (object, type, reason, message) again within
 * the aggregation window counts up `count` and `lastTimestamp` of the event already written
 * instead of adding one. Bounded: a full queue drops (and logs) the event, a failed write is
 * logged and forgotten. Only namespaced objects (shoots, machines, bastions) get events.
 */
export class EventRecorder {
  private readonly remembered = new Map<string, Remembered>();
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private droppedSince = 0;
  private lastDropLogMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: GardenClient,
    private readonly options: EventRecorderOptions,
  ) {}

  /** Records the event in the background; never throws, never waits. */
  event(object: KubeObject, type: EventType, reason: EventReason, message: string): void {
    const namespace = object.metadata.namespace;
    if (!namespace || !object.metadata.name) return;
    const text = truncated(message);
    const key = JSON.stringify([
      namespace,
      object.kind,
      object.metadata.name,
      object.metadata.uid,
      type,
      reason,
      text,
    ]);
    if (this.queue.length >= (this.options.maxQueued ?? 1000)) {
      this.dropped(`${object.kind} ${namespace}/${object.metadata.name} ${reason}: ${text}`);
      return;
    }
    this.queue.push({ key, event: this.newEvent(object, type, reason, text) });
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** A full queue drops events: the first is logged, then how many, at most every DROP_LOG_MS. */
  private dropped(what: string): void {
    const nowMs = this.now().getTime();
    this.droppedSince++;
    if (nowMs - this.lastDropLogMs < DROP_LOG_MS) return;
    const more = this.droppedSince > 1 ? ` (${this.droppedSince} dropped since the last report)` : '';
    this.options.logger.warn(`event dropped (queue full): ${what}${more}`);
    this.lastDropLogMs = nowMs;
    this.droppedSince = 0;
  }

  /** Resolves once every event recorded so far is written (or given up): for tests and shutdown. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private newEvent(object: KubeObject, type: EventType, reason: EventReason, message: string): Event {
    const now = this.now();
    const { component, instance } = this.options;
    const shoot = shootOfObject(object);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: eventName(object.metadata.name ?? '', now),
        namespace: object.metadata.namespace,
        ...(shoot ? { labels: { [SHOOT_LABEL]: shoot } } : {}),
      },
      involvedObject: referenceOf(object),
      type,
      reason,
      message,
      source: { component, ...(instance ? { host: instance } : {}) },
      reportingComponent: component,
      ...(instance ? { reportingInstance: instance } : {}),
      firstTimestamp: timestamp(now),
      lastTimestamp: timestamp(now),
      count: 1,
    };
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      try {
        await this.write(next);
      } catch (error) {
        const { involvedObject, reason } = next.event;
        this.options.logger.warn(
          `event not recorded: ${involvedObject.kind} ${next.event.metadata.namespace}/${involvedObject.name} ${reason}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private async write({ key, event }: Pending): Promise<void> {
    const nowMs = this.now().getTime();
    const seen = this.remembered.get(key);
    const window = this.options.aggregationWindowMs ?? 10 * 60 * 1000;
    if (seen && nowMs - seen.lastMs <= window) {
      const counted = await this.countUp(seen, event, nowMs);
      if (counted) return;
    }
    const created = await this.client.create('Event', event);
    this.remember({ key, name: created.metadata.name ?? '', count: 1, lastMs: nowMs });
  }

  /** The event already written, one more time; false when it is gone (expired), so a new one is made. */
  private async countUp(seen: Remembered, event: Event, nowMs: number): Promise<boolean> {
    try {
      await this.client.patch('Event', { namespace: event.metadata.namespace, name: seen.name }, 'merge', {
        count: seen.count + 1,
        lastTimestamp: event.lastTimestamp,
      });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    this.remember({ ...seen, count: seen.count + 1, lastMs: nowMs });
    return true;
  }

  /** Most recently seen last: the first entry is the one forgotten when the memory is full. */
  private remember(entry: Remembered): void {
    this.remembered.delete(entry.key);
    this.remembered.set(entry.key, entry);
    const max = this.options.maxRemembered ?? 4096;
    for (const oldest of this.remembered.keys()) {
      if (this.remembered.size <= max) break;
      this.remembered.delete(oldest);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}
