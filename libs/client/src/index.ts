export {
  ClientError,
  ClientErrorCode,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  isNotFound,
} from './errors.js';
export { GardenClient, type ListOptions, type ObjectKey } from './garden-client.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export { InProcessTransport } from './in-process-transport.js';
export type { GardenKind, GardenKinds, ObjectOf } from './kinds.js';
export type { ListQuery, PatchType, Transport } from './transport.js';
