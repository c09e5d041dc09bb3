import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../errors.js';
import { decodeKubeProtobuf } from './decode.js';

/**
 * An encoder written from Kubernetes' own generated.proto declarations (with real `map<>` fields,
 * as there), independent of the decoder's schema, so the test checks wire compatibility.
 */
const root = protobuf.parse(
  `syntax = "proto2";
  message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
  message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2;
    optional string contentEncoding = 3; optional string contentType = 4; }
  message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
  message ObjectMeta { optional string name = 1; optional string namespace = 3;
    optional int64 generation = 7; optional Time creationTimestamp = 8;
    map<string, string> labels = 11; map<string, string> annotations = 12; repeated string finalizers = 14; }
  message Secret { optional ObjectMeta metadata = 1; optional bool immutable = 5;
    map<string, bytes> data = 2; map<string, string> stringData = 4; optional string type = 3; }
  message ObjectReference { optional string kind = 1; optional string namespace = 2; optional string name = 3;
    optional string uid = 4; optional string apiVersion = 5; }
  message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
  message Event { optional ObjectMeta metadata = 1; optional ObjectReference involvedObject = 2;
    optional string reason = 3; optional string message = 4; optional Time lastTimestamp = 7;
    optional int32 count = 8; optional string type = 9; optional MicroTime eventTime = 10;
    optional string reportingComponent = 14; }
  message Pod { optional ObjectMeta metadata = 1; }
  message Entry { optional string key = 1; optional string value = 2; }
  message EntryMeta { repeated Entry labels = 11; }
  message EntrySecret { optional EntryMeta metadata = 1; }`,
  { keepCase: true },
).root;

function envelope(apiVersion: string, kind: string, message: string, fields: object, extra: object = {}) {
  const type = root.lookupType(message);
  const raw = type.encode(type.fromObject(fields)).finish();
  const unknown = root.lookupType('Unknown');
  const bytes = unknown
    .encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, ...extra }))
    .finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytes]);
}

function failure(body: Buffer): ApiError {
  try {
    decodeKubeProtobuf(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('decoded');
}

describe('Kubernetes protobuf bodies', () => {
  it('reads a Secret as its JSON encoding: bytes as base64, maps as objects, the zero time left out', () => {
    const body = envelope('v1', 'Secret', 'Secret', {
      metadata: { name: 'db', namespace: 'garden-dev', labels: { app: 'web' }, creationTimestamp: {} },
      data: { password: Buffer.from('s3cret') },
      stringData: { user: 'admin' },
      type: 'Opaque',
      immutable: true,
    });
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'garden-dev', labels: { app: 'web' } },
      data: { password: Buffer.from('s3cret').toString('base64') },
      stringData: { user: 'admin' },
      type: 'Opaque',
      immutable: true,
    });
  });

  it('leaves out the empty scalars Kubernetes writes to protobuf but not to JSON', () => {
    const body = envelope('v1', 'Secret', 'Secret', {
      metadata: { name: 'db', namespace: '', generation: 0, labels: { empty: '' } },
      type: '',
    });
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', labels: { empty: '' } },
    });
  });

  it('writes timestamps as RFC 3339 and int64 as numbers', () => {
    const body = envelope('v1', 'Secret', 'Secret', {
      metadata: { name: 'x', generation: 3, creationTimestamp: { seconds: 1_700_000_000, nanos: 5 } },
    });
    expect(decodeKubeProtobuf(body).metadata).toEqual({
      name: 'x',
      generation: 3,
      creationTimestamp: '2023-11-14T22:13:20Z',
    });
  });

  it('refuses a map key that would reach a prototype, as for JSON bodies', () => {
    // as entries: an object literal's __proto__ key would set the test object's prototype instead
    const labels = [{ key: '__proto__', value: 'x' }];
    const error = failure(envelope('v1', 'Secret', 'EntrySecret', { metadata: { labels } }));
    expect(error.code).toBe(ApiErrorCode.BadRequest);
    expect(error.message).toMatch(/__proto__/);
  });

  it('answers 400 for bytes that are no envelope, or a truncated one', () => {
    expect(failure(Buffer.from('{"kind":"Secret"}')).message).toMatch(/k8s\\0/);
    const whole = envelope('v1', 'Secret', 'Secret', { metadata: { name: 'db' } });
    const cut = failure(whole.subarray(0, whole.length - 3));
    expect(cut.code).toBe(ApiErrorCode.BadRequest);
    expect(cut.message).toMatch(/not a valid Kubernetes protobuf message/);
  });

  it('reads an Event: its reference, times (MicroTime with microseconds) and count', () => {
    const body = envelope('v1', 'Event', 'Event', {
      metadata: { name: 'demo.1', namespace: 'garden-dev' },
      involvedObject: { kind: 'Shoot', namespace: 'garden-dev', name: 'demo', uid: 'u1' },
      reason: 'Reconciling',
      message: 'started',
      lastTimestamp: { seconds: 1_700_000_000 },
      eventTime: { seconds: 1_700_000_000, nanos: 123_456_000 },
      count: 2,
      type: 'Normal',
      reportingComponent: 'gardenlet',
    });
    expect(decodeKubeProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'demo.1', namespace: 'garden-dev' },
      involvedObject: { kind: 'Shoot', namespace: 'garden-dev', name: 'demo', uid: 'u1' },
      reason: 'Reconciling',
      message: 'started',
      lastTimestamp: '2023-11-14T22:13:20Z',
      eventTime: '2023-11-14T22:13:20.123456Z',
      count: 2,
      type: 'Normal',
      reportingComponent: 'gardenlet',
    });
  });

  it('answers 415 naming the accepted kinds for a kind it does not read', () => {
    const error = failure(envelope('v1', 'Pod', 'Pod', { metadata: { name: 'p' } }));
    expect(error.code).toBe(ApiErrorCode.UnsupportedMediaType);
    expect(error.message).toMatch(/kind Pod .* accepted for v1 Secret, v1 ConfigMap, v1 Namespace, v1 Event/);
    const gzip = failure(envelope('v1', 'Secret', 'Secret', {}, { contentEncoding: 'gzip' }));
    expect(gzip.code).toBe(ApiErrorCode.UnsupportedMediaType);
  });
});
