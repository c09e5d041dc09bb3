import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ClientError, ClientErrorCode } from './errors.js';
import type { WatchEvent, WatchQuery, WatchStream } from './transport.js';
import { Watcher } from './watcher.js';

/** One scripted watch: the events it delivers, then how it ends (undefined: the server closed it). */
interface Script {
  readonly versions: string[];
  readonly end?: ClientError;
  readonly refuse?: ClientError;
}

/** A server whose watches follow the scripts in order, then stay open; records what each was asked. */
function scriptedServer(scripts: Script[]) {
  const asked: (string | undefined)[] = [];
  const open = async (query: WatchQuery, onEvent: (event: WatchEvent) => void): Promise<WatchStream> => {
    asked.push(query.resourceVersion);
    const script = scripts.shift();
    if (script?.refuse) throw script.refuse;
    let close: () => void = () => undefined;
    const done = script
      ? new Promise<void>((resolve, reject) => {
          for (const version of script.versions)
            onEvent({
              type: 'MODIFIED',
              object: {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { name: 'x', resourceVersion: version },
              },
            });
          setImmediate(() => (script.end ? reject(script.end) : resolve()));
        })
      : new Promise<void>((resolve) => {
          close = resolve;
        });
    return { done, close: () => close() };
  };
  return { asked, open };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
};

describe('Watcher', () => {
  it('opens again from the last version seen when the server ends a watch', async () => {
    const server = scriptedServer([{ versions: ['5', '7'] }, { versions: ['9'] }]);
    const seen: string[] = [];
    const watcher = new Watcher(server.open, {}, (e) => seen.push(e.object.metadata.resourceVersion ?? ''));
    await until(() => server.asked.length === 3);
    await watcher.stop();
    expect(server.asked).toEqual([undefined, '7', '9']);
    expect(seen).toEqual(['5', '7', '9']);
  });

  it('starts over (every object again) when its history expired', async () => {
    const expired = new ClientError(ClientErrorCode.Expired, 'too old resource version');
    const server = scriptedServer([{ versions: ['5'] }, { versions: [], refuse: expired }]);
    const errors: unknown[] = [];
    const watcher = new Watcher(server.open, {}, () => undefined, { onError: (e) => errors.push(e) });
    await until(() => server.asked.length === 3);
    await watcher.stop();
    expect(server.asked).toEqual([undefined, '5', undefined]);
    expect(errors).toEqual([]);
  });

  it('reports a failure, tries again after a pause and says when it is back', async () => {
    const down = new ClientError(ClientErrorCode.Unavailable, 'the garden API does not answer');
    const server = scriptedServer([
      { versions: ['3'], end: down },
      { versions: [], refuse: down },
    ]);
    const errors: string[] = [];
    let reconnects = 0;
    const watcher = new Watcher(server.open, {}, () => undefined, {
      onError: (e) => errors.push((e as Error).message),
      onReconnect: () => reconnects++,
    });
    await until(() => reconnects === 1);
    await watcher.stop();
    expect(errors).toEqual([down.message, down.message]);
    expect(server.asked).toEqual([undefined, '3', '3']);
    expect(reconnects).toBe(1);
  });

  it('opens nothing more once stopped, even while pausing after a failure', async () => {
    const down = new ClientError(ClientErrorCode.Unavailable, 'down');
    const server = scriptedServer([{ versions: [], refuse: down }]);
    const watcher = new Watcher(server.open, {}, () => undefined, { onError: () => undefined });
    await until(() => server.asked.length === 1);
    await watcher.stop();
    await sleep(700);
    expect(server.asked).toHaveLength(1);
  });
});
