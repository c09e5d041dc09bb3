export {
  ClientError,
  ClientErrorCode,
  ignoreNotFound,
  isAlreadyExists,
  isConflict,
  isExpired,
  isNotFound,
} from './errors.js';
export { EventRecorder, type EventRecorderLogger, type EventRecorderOptions } from './event-recorder.js';
export {
  type ChangeEvent,
  GardenClient,
  type ListOptions,
  type ObjectKey,
  type WatchOptions,
} from './garden-client.js';
export { HttpTransport, type HttpTransportOptions } from './http-transport.js';
export { InProcessTransport } from './in-process-transport.js';
export type { GardenKind, GardenKinds, ObjectOf } from './kinds.js';
export type { ListQuery, PatchType, Transport, WatchEvent, WatchQuery, WatchStream } from './transport.js';
export { Watcher, type WatcherOptions } from './watcher.js';
