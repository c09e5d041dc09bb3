import { describe, expect, it } from 'vitest';
import { SearchError, SearchErrorCode } from '../errors.js';
import { type IndexedResource, indexedByKind } from '../resources.js';
import { type Change, Reflector } from './reflector.js';
import type { ListPage, ShootApi, ShootWatchEvent } from './shoot-api.js';

const POD = indexedByKind('Pod') as IndexedResource;
const pod = (name: string, resourceVersion: string) => ({
  metadata: { name, namespace: 'd', resourceVersion, managedFields: [{ manager: 'x' }] },
});

/** A shoot API that answers from a script: lists by page, watches as a list of outcomes. */
function scripted(lists: ListPage[][], watches: Array<(emit: (e: ShootWatchEvent) => void) => void>) {
  const calls: string[] = [];
  let list = 0;
  let page = 0;
  let watch = 0;
  const api = {
    async list(_r: IndexedResource, options: { continue?: string }) {
      calls.push(`list${options.continue ? ` ${options.continue}` : ''}`);
      const pages = lists[Math.min(list, lists.length - 1)] ?? [];
      const answer = pages[page] ?? { items: [], resourceVersion: '0' };
      page = answer.continue ? page + 1 : 0;
      if (!answer.continue) list++;
      return answer;
    },
    async watch(
      _r: IndexedResource,
      resourceVersion: string,
      onEvent: (e: ShootWatchEvent) => void,
      signal: AbortSignal,
    ) {
      calls.push(`watch ${resourceVersion}`);
      const step = watches[watch++];
      if (!step) await new Promise((done) => signal.addEventListener('abort', done));
      step?.(onEvent);
    },
  };
  return { api: api as unknown as ShootApi, calls };
}

describe('the reflector', () => {
  it('lists every page, watches from the list, resumes from the last version, lists again on 410', async () => {
    const changes: Change[] = [];
    const expired = () => {
      throw new SearchError(SearchErrorCode.Expired, 'too old');
    };
    const { api, calls } = scripted(
      [
        [
          { items: [pod('a', '1') as never], resourceVersion: '10', continue: 'c1' },
          { items: [pod('b', '2') as never], resourceVersion: '10' },
        ],
        [{ items: [pod('b', '30') as never], resourceVersion: '31' }],
      ],
      [
        (emit) => {
          emit({ type: 'MODIFIED', object: pod('a', '11') as never });
          emit({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '15' } } });
        },
        (emit) => {
          emit({ type: 'DELETED', object: pod('a', '16') as never });
          expired();
        },
      ],
    );
    const aborter = new AbortController();
    const running = new Reflector(
      () => api,
      POD,
      (c) => changes.push(c),
      { minBackoffMs: 1 },
    ).run(aborter.signal);
    for (let i = 0; i < 100 && calls.length < 6; i++) await new Promise((r) => setTimeout(r, 5));
    aborter.abort();
    await running;
    expect(calls).toEqual(['list', 'list c1', 'watch 10', 'watch 15', 'list', 'watch 31']);
    const listed = changes.filter((c) => c.type === 'listed');
    expect(listed).toHaveLength(2);
    expect(listed[0]?.epoch).not.toBe(listed[1]?.epoch);
    const [first, second, , modified, deleted] = changes;
    expect(first).toMatchObject({
      type: 'upsert',
      object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a' } },
    });
    expect((first as { object: { metadata: object } }).object.metadata).not.toHaveProperty('managedFields');
    expect(second).toMatchObject({ type: 'upsert', object: { metadata: { name: 'b' } } });
    expect(modified).toMatchObject({
      type: 'upsert',
      epoch: listed[0]?.epoch,
      object: { metadata: { resourceVersion: '11' } },
    });
    expect(deleted).toEqual({ type: 'delete', kind: 'Pod', namespace: 'd', name: 'a' });
  });
});
