import { ApiError, ApiErrorCode, type ResourceType, resourceByPlural } from '@gardener-ts/api';

/** URL shapes the Kubernetes API uses; `api/...` is the core group ('' group). */
export const COLLECTION_PATHS = [
  'apis/:group/:version/:plural',
  'apis/:group/:version/namespaces/:namespace/:plural',
  'api/:version/:plural',
  'api/:version/namespaces/:namespace/:plural',
];
export const ITEM_PATHS = [
  'apis/:group/:version/:plural/:name',
  'apis/:group/:version/namespaces/:namespace/:plural/:name',
  'api/:version/namespaces/:namespace/:plural/:name',
];
export const STATUS_PATHS = [
  'apis/:group/:version/:plural/:name/status',
  'apis/:group/:version/namespaces/:namespace/:plural/:name/status',
];

export interface RouteParams {
  group?: string;
  version?: string;
  namespace?: string;
  plural?: string;
  name?: string;
}

export interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
}

function notFound(): ApiError {
  return new ApiError(ApiErrorCode.NotFound, 'the server could not find the requested resource');
}

/** Finds the kind a URL addresses; a namespaced path for a cluster-scoped kind (or the reverse) is 404. */
export function resolveTarget(params: RouteParams, item: boolean): Target {
  const type = resourceByPlural(params.group ?? '', params.version ?? '', params.plural ?? '');
  if (!type) throw notFound();
  if (params.namespace !== undefined && !type.namespaced) throw notFound();
  if (item && type.namespaced && params.namespace === undefined) throw notFound();
  return { type, namespace: params.namespace, name: params.name };
}
