import { SEARCH_GROUP, SEARCH_VERSION } from '../batch.js';
import type { SearchIndex } from '../index-store.js';
import type { IndexWriter } from './shoot-indexer.js';

/** Where a gardenlet posts its shoot's batches: only the shoot's own seed may (see the API). */
export function indexPath(namespace: string, shoot: string): string {
  return `/apis/${SEARCH_GROUP}/${SEARCH_VERSION}/namespaces/${encodeURIComponent(namespace)}/shoots/${encodeURIComponent(shoot)}/index`;
}

/** Over the garden API with the seed's credential (a gardenlet away from the garden's database). */
export function apiIndexWriter(
  request: (method: string, path: string, body: unknown) => Promise<unknown>,
): IndexWriter {
  return async (shoot, batch) => {
    await request('POST', indexPath(shoot.namespace, shoot.name), batch);
  };
}

/** Straight into the index (a gardenlet that holds the garden's database). */
export function databaseIndexWriter(index: SearchIndex): IndexWriter {
  return (shoot, batch) => index.apply(shoot, batch);
}
