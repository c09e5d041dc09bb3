import { applyMergePatch, type KubeObject, type ResourceType } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { ClientError, ClientErrorCode } from './errors.js';
import { EventRecorder } from './event-recorder.js';
import { GardenClient } from './garden-client.js';
import type { Transport } from './transport.js';

/** Events kept in a map, as the server would store them; `failWith` makes every write fail. */
class EventStore implements Transport {
  readonly events = new Map<string, KubeObject>();
  writes = 0;
  failWith: ClientError | undefined;
  /** a write that waits for this before it answers (a slow server) */
  gate: Promise<void> = Promise.resolve();

  private async writing(): Promise<void> {
    this.writes++;
    await this.gate;
    if (this.failWith) throw this.failWith;
  }

  async create(_type: ResourceType, _namespace: string | undefined, body: KubeObject): Promise<KubeObject> {
    await this.writing();
    this.events.set(body.metadata.name ?? '', structuredClone(body));
    return body;
  }

  async patch(_t: ResourceType, _ns: string | undefined, name: string, _p: unknown, body: unknown) {
    await this.writing();
    const stored = this.events.get(name);
    if (!stored) throw new ClientError(ClientErrorCode.NotFound, `events "${name}" not found`);
    const patched = applyMergePatch(stored, body) as KubeObject;
    this.events.set(name, patched);
    return patched;
  }

  get(): Promise<KubeObject> {
    throw new Error('not used');
  }
  list(): Promise<KubeObject[]> {
    throw new Error('not used');
  }
  update(): Promise<KubeObject> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  watch(): never {
    throw new Error('not used');
  }
}

const shoot: KubeObject = {
  apiVersion: 'core.gardener.cloud/v1beta1',
  kind: 'Shoot',
  metadata: { name: 'demo', namespace: 'garden-dev', uid: 'u-1' },
};

function recorderOn(store: EventStore, clock: { ms: number }, options: { maxQueued?: number } = {}) {
  const warnings: string[] = [];
  const recorder = new EventRecorder(new GardenClient(store), {
    component: 'gardenlet',
    instance: 'host-1',
    logger: { warn: (message) => warnings.push(message) },
    now: () => new Date(clock.ms),
    ...options,
  });
  return { recorder, warnings };
}

describe('EventRecorder', () => {
  it('writes an event about the object, labelled with its shoot', async () => {
    const store = new EventStore();
    const { recorder } = recorderOn(store, { ms: Date.parse('2026-12-07T06:00:00Z') });
    recorder.event(shoot, 'Normal', 'Reconciling', 'Reconciling Shoot cluster state');
    await recorder.flush();
    const [event] = [...store.events.values()];
    expect(event).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'garden-dev', labels: { 'shoot.gardener.cloud/name': 'demo' } },
      involvedObject: { kind: 'Shoot', name: 'demo', namespace: 'garden-dev', uid: 'u-1' },
      type: 'Normal',
      reason: 'Reconciling',
      message: 'Reconciling Shoot cluster state',
      count: 1,
      source: { component: 'gardenlet', host: 'host-1' },
      reportingComponent: 'gardenlet',
      firstTimestamp: '2026-12-07T06:00:00Z',
      lastTimestamp: '2026-12-07T06:00:00Z',
    });
    expect(event?.metadata.name).toMatch(/^demo\.[0-9a-f]+$/);
  });

  it('counts the same event up within the window, and writes a new one after it or for another message', async () => {
    const store = new EventStore();
    const clock = { ms: Date.parse('2026-12-07T06:00:00Z') };
    const { recorder } = recorderOn(store, clock);
    recorder.event(shoot, 'Warning', 'ReconcileError', 'ERR_INFRA_QUOTA_EXCEEDED: quota');
    clock.ms += 60_000;
    recorder.event(shoot, 'Warning', 'ReconcileError', 'ERR_INFRA_QUOTA_EXCEEDED: quota');
    clock.ms += 60_000;
    recorder.event(shoot, 'Warning', 'ReconcileError', 'ERR_INFRA_QUOTA_EXCEEDED: quota');
    await recorder.flush();
    expect(store.events.size).toBe(1);
    expect([...store.events.values()][0]).toMatchObject({
      count: 3,
      firstTimestamp: '2026-12-07T06:00:00Z',
      lastTimestamp: '2026-12-07T06:02:00Z',
    });
    recorder.event(shoot, 'Warning', 'ReconcileError', 'another message');
    clock.ms += 11 * 60_000;
    recorder.event(shoot, 'Warning', 'ReconcileError', 'ERR_INFRA_QUOTA_EXCEEDED: quota');
    await recorder.flush();
    expect(store.events.size).toBe(3);
  });

  it('writes anew when the counted event has expired meanwhile', async () => {
    const store = new EventStore();
    const { recorder } = recorderOn(store, { ms: Date.now() });
    recorder.event(shoot, 'Normal', 'Reconciled', 'done');
    await recorder.flush();
    store.events.clear();
    recorder.event(shoot, 'Normal', 'Reconciled', 'done');
    await recorder.flush();
    expect([...store.events.values()].map((e) => e.count)).toEqual([1]);
  });

  it('never throws nor waits: failed writes are logged, a full queue drops events', async () => {
    const store = new EventStore();
    store.failWith = new ClientError(ClientErrorCode.Forbidden, 'events is forbidden');
    let open: () => void = () => undefined;
    store.gate = new Promise((resolve) => {
      open = resolve;
    });
    const { recorder, warnings } = recorderOn(store, { ms: Date.now() }, { maxQueued: 2 });
    for (let i = 0; i < 5; i++) recorder.event(shoot, 'Normal', 'Reconciling', `attempt ${i}`);
    open();
    await recorder.flush();
    // the first drop is reported, the next one within 10 s only counted
    expect(warnings.filter((w) => w.includes('queue full'))).toEqual([
      expect.stringMatching(/^event dropped \(queue full\): Shoot garden-dev\/demo Reconciling: attempt 3$/),
    ]);
    expect(warnings.filter((w) => w.includes('events is forbidden'))).toHaveLength(3);
    expect(store.events.size).toBe(0);
  });

  it('records nothing for objects without a namespace', async () => {
    const store = new EventStore();
    const { recorder } = recorderOn(store, { ms: Date.now() });
    recorder.event(
      { apiVersion: 'v1', kind: 'Seed', metadata: { name: 'local' } },
      'Normal',
      'Reconciled',
      'x',
    );
    await recorder.flush();
    expect(store.writes).toBe(0);
  });
});
