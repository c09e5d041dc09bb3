import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FlowError, FlowErrorCode } from './errors.js';
import { Flow, type TaskOutcome } from './flow.js';
import type { FlowProgress, Task } from './task.js';

/** A task that records when it started and ended, and can be released by the test. */
function recorder() {
  const events: string[] = [];
  const task = (id: string, dependencies: string[] = [], fail?: Error): Task => ({
    id,
    dependencies,
    fn: async () => {
      events.push(`start ${id}`);
      await sleep(20);
      events.push(`end ${id}`);
      if (fail) throw fail;
    },
  });
  return { events, task };
}

async function failureOf(promise: Promise<unknown>): Promise<FlowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FlowError)) throw new Error(`expected a FlowError, got ${String(error)}`);
  return error;
}

describe('Flow', () => {
  it('runs independent tasks in parallel and dependents only after their dependencies', async () => {
    const { events, task } = recorder();
    await new Flow('create', [task('infra'), task('secrets'), task('etcd', ['infra', 'secrets'])]).run();
    expect(events.slice(0, 2).sort()).toEqual(['start infra', 'start secrets']);
    expect(events.indexOf('start etcd')).toBeGreaterThan(events.indexOf('end infra'));
    expect(events.indexOf('start etcd')).toBeGreaterThan(events.indexOf('end secrets'));
  });

  it('a failure stops only its dependents; other branches finish; all errors are reported together', async () => {
    const { events, task } = recorder();
    const flow = new Flow('create', [
      task('infra', [], new Error('bridge busy')),
      task('secrets', [], new Error('disk full')),
      task('pki'),
      task('etcd', ['infra']),
      task('apiserver', ['etcd']),
      task('kubeconfig', ['pki']),
    ]);
    const error = await failureOf(flow.run());
    expect(error.code).toBe(FlowErrorCode.TasksFailed);
    expect(error.failures.map((f) => [f.taskId, f.error.message]).sort()).toEqual([
      ['infra', 'bridge busy'],
      ['secrets', 'disk full'],
    ]);
    expect([...error.blocked].sort()).toEqual(['apiserver', 'etcd']);
    expect(events).toContain('end kubeconfig');
    expect(events).not.toContain('start etcd');
  });

  it('retries a failing task with backoff until it succeeds within its window', async () => {
    let attempts = 0;
    await new Flow('retry', [
      {
        id: 'flaky',
        retry: { timeoutMs: 5_000, initialDelayMs: 10 },
        fn: async ({ attempt }) => {
          attempts = attempt;
          if (attempt < 3) throw new Error('not yet');
        },
      },
    ]).run();
    expect(attempts).toBe(3);
  });

  it('does not retry an error the caller calls final', async () => {
    let attempts = 0;
    const final = Object.assign(new Error('unauthorized'), { retryable: false });
    const flow = new Flow('final', [
      {
        id: 'infra',
        retry: { timeoutMs: 5_000, initialDelayMs: 10 },
        fn: async () => {
          attempts++;
          throw final;
        },
      },
    ]);
    const error = await failureOf(
      flow.run({ isRetryable: (e) => (e as { retryable?: boolean }).retryable !== false }),
    );
    expect(attempts).toBe(1);
    expect(error.failures[0]?.error).toBe(final);
  });

  it('gives up when the retry window closes and reports the last error', async () => {
    let attempts = 0;
    const flow = new Flow('timeout', [
      {
        id: 'wait-ready',
        retry: { timeoutMs: 150, initialDelayMs: 20, maxDelayMs: 40 },
        fn: async ({ attempt }) => {
          attempts = attempt;
          throw new Error(`not ready (attempt ${attempt})`);
        },
      },
    ]);
    const error = await failureOf(flow.run());
    expect(attempts).toBeGreaterThan(1);
    expect(error.failures[0]?.error.message).toBe(`not ready (attempt ${attempts})`);
  });

  it('a skipped task counts as done for its dependents', async () => {
    const ran: string[] = [];
    await new Flow('skip', [
      { id: 'workers', skipIf: () => true, fn: async () => void ran.push('workers') },
      { id: 'wait-nodes', dependencies: ['workers'], fn: async () => void ran.push('wait-nodes') },
    ]).run();
    expect(ran).toEqual(['wait-nodes']);
  });

  it('reports progress that only rises and ends at 100', async () => {
    const { task } = recorder();
    const seen: FlowProgress[] = [];
    await new Flow('progress', [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c'])]).run({
      onProgress: (p) => seen.push(p),
    });
    const percents = seen.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    expect(percents.at(-1)).toBe(100);
    expect(seen.some((p) => p.running.includes('b') && p.running.includes('c'))).toBe(true);
  });

  it('reports how long each task ran, with the error of a failed one, and not the skipped ones', async () => {
    const outcomes: TaskOutcome[] = [];
    await new Flow('timed', [
      { id: 'slow', fn: () => sleep(50) },
      { id: 'skipped', skipIf: true, fn: async () => undefined },
      {
        id: 'broken',
        fn: async () => {
          throw new Error('no disk');
        },
      },
    ])
      .run({ onTaskDone: (outcome) => outcomes.push(outcome) })
      .catch(() => undefined);
    const byId = new Map(outcomes.map((o) => [o.taskId, o]));
    expect([...byId.keys()].sort()).toEqual(['broken', 'slow']);
    expect(byId.get('slow')?.durationMs).toBeGreaterThanOrEqual(45);
    expect(byId.get('slow')?.error).toBeUndefined();
    expect(byId.get('broken')?.error?.message).toBe('no disk');
  });

  it('an abort lets running tasks see it and starts nothing new', async () => {
    const controller = new AbortController();
    const ran: string[] = [];
    const flow = new Flow('abort', [
      {
        id: 'long',
        fn: async ({ signal }) => {
          controller.abort();
          ran.push(`long saw abort: ${signal.aborted}`);
        },
      },
      { id: 'next', dependencies: ['long'], fn: async () => void ran.push('next') },
    ]);
    const error = await failureOf(flow.run({ signal: controller.signal }));
    expect(error.code).toBe(FlowErrorCode.Aborted);
    expect(ran).toEqual(['long saw abort: true']);
  });

  it.each([
    [[{ id: 'a' }, { id: 'a' }], /defined twice/],
    [[{ id: 'a', dependencies: ['missing'] }], /unknown task "missing"/],
    [
      [
        { id: 'a', dependencies: ['b'] },
        { id: 'b', dependencies: ['a'] },
      ],
      /cycle a → b → a/,
    ],
  ])('rejects an invalid graph when it is built (%#)', (specs, message) => {
    const tasks = specs.map((s) => ({ ...s, fn: async () => {} }));
    expect(() => new Flow('bad', tasks)).toThrow(message);
  });
});
