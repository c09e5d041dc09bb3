import { z } from 'zod';
import { SearchError, SearchErrorCode } from './errors.js';
import { INDEXED_RESOURCES, indexedByKind } from './resources.js';

export const SEARCH_GROUP = 'search.gardener.cloud';
export const SEARCH_VERSION = 'v1alpha1';
/** The kind a gardenlet posts to write its shoot's index. */
export const INDEX_BATCH_KIND = 'IndexBatch';
/** At most this many upserts and deletes in one batch (the body limit holds the bytes). */
export const MAX_BATCH_ITEMS = 5_000;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Event and Pod names are subdomains; object names are checked only as far as the index needs them
const name = z.string().regex(DNS_SUBDOMAIN, 'must be a DNS subdomain');
const namespace = z.string().regex(DNS_LABEL, 'must be a DNS label');
const kind = z.enum(INDEXED_RESOURCES.map((r) => r.kind) as [string, ...string[]]);
const epoch = z.string().regex(/^[a-z0-9-]{1,64}$/);

const indexedObject = z.looseObject({
  metadata: z.looseObject({
    name,
    namespace: namespace.optional(),
    labels: z.record(z.string().max(317), z.string().max(63)).optional(),
  }),
});

const schema = z.strictObject({
  apiVersion: z.literal(`${SEARCH_GROUP}/${SEARCH_VERSION}`),
  kind: z.literal(INDEX_BATCH_KIND),
  /** drop every object of the shoot first (its control plane was made anew) */
  clear: z.boolean().default(false),
  upserts: z
    .array(z.strictObject({ kind, epoch, object: indexedObject }))
    .max(MAX_BATCH_ITEMS)
    .default([]),
  deletes: z
    .array(z.strictObject({ kind, namespace: namespace.optional(), name }))
    .max(MAX_BATCH_ITEMS)
    .default([]),
  /** a full list of the kind ended: what it did not see (another epoch) is gone */
  prunes: z.array(z.strictObject({ kind, epoch })).max(INDEXED_RESOURCES.length).default([]),
});

export type IndexBatch = z.infer<typeof schema>;
export type IndexedObject = IndexBatch['upserts'][number]['object'];

/** Checks a batch as the garden receives it: kinds, names and scopes, or a SearchError naming the field. */
export function parseIndexBatch(body: unknown): IndexBatch {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(body)';
    throw new SearchError(
      SearchErrorCode.InvalidBatch,
      `invalid IndexBatch: ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  for (const [index, upsert] of parsed.data.upserts.entries()) {
    const namespaced = indexedByKind(upsert.kind)?.namespaced ?? false;
    if (namespaced !== (upsert.object.metadata.namespace !== undefined))
      throw new SearchError(
        SearchErrorCode.InvalidBatch,
        `invalid IndexBatch: upserts.${index}.object.metadata.namespace: ${upsert.kind} is ${namespaced ? '' : 'not '}namespaced`,
      );
  }
  return parsed.data;
}

export function emptyBatch(): IndexBatch {
  return {
    apiVersion: `${SEARCH_GROUP}/${SEARCH_VERSION}`,
    kind: INDEX_BATCH_KIND,
    clear: false,
    upserts: [],
    deletes: [],
    prunes: [],
  };
}
