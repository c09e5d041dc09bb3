import protobuf from 'protobufjs';
import { ApiError, ApiErrorCode } from '../errors.js';
import { timestamp } from '../meta.js';
import { assertSafeKey, assertSafeKeys } from '../safe-keys.js';
import { MAP_ENTRY_TYPES, protoType } from './schema.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** Kubernetes' protobuf envelope starts with these four bytes, then a runtime.Unknown. */
const MAGIC = Buffer.from('k8s\0', 'latin1');

/** The kinds this server reads as protobuf (`apiVersion/kind` → message), as kubectl sends them. */
const PROTOBUF_KINDS: ReadonlyMap<string, string> = new Map([
  ['v1/Secret', 'Secret'],
  ['v1/ConfigMap', 'ConfigMap'],
  ['v1/Namespace', 'Namespace'],
  ['v1/Event', 'Event'],
  ['authentication.k8s.io/v1/SelfSubjectReview', 'SelfSubjectReview'],
  ['authorization.k8s.io/v1/SelfSubjectAccessReview', 'SelfSubjectAccessReview'],
  ['authorization.k8s.io/v1/SelfSubjectRulesReview', 'SelfSubjectRulesReview'],
]);

/** `v1 Secret, v1 ConfigMap, …`: what a 415 names as accepted. */
export function protobufKinds(): string[] {
  return [...PROTOBUF_KINDS.keys()].map((key) => {
    const slash = key.lastIndexOf('/');
    return `${key.slice(0, slash)} ${key.slice(slash + 1)}`;
  });
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(reason: string): ApiError {
  return new ApiError(
    ApiErrorCode.BadRequest,
    `the request body is not a valid Kubernetes protobuf message (${PROTOBUF_MEDIA_TYPE}): ${reason}`,
  );
}

function unsupported(what: string): ApiError {
  return new ApiError(
    ApiErrorCode.UnsupportedMediaType,
    `${what} is not supported as ${PROTOBUF_MEDIA_TYPE}: protobuf bodies are accepted for ${protobufKinds().join(', ')}; send application/json or application/yaml for everything else`,
  );
}

/** metav1.Time: an empty message is the zero time (JSON null, left out here); else RFC 3339 in seconds. */
function timeOf(value: Plain): string | undefined {
  if (value.seconds === undefined) return undefined;
  const date = new Date(Number(value.seconds) * 1000);
  if (!Number.isFinite(date.getTime())) throw malformed('a timestamp is out of range');
  return timestamp(date);
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTimeOf(value: Plain): string | undefined {
  const seconds = timeOf(value);
  if (seconds === undefined) return undefined;
  const micros = Math.floor(Number(value.nanos ?? 0) / 1000);
  return seconds.replace(/Z$/, `.${String(micros).padStart(6, '0')}Z`);
}

/** metav1.FieldsV1 is a JSON document inside the message. */
function fieldsOf(value: Plain): unknown {
  const text = Buffer.from(String(value.Raw ?? ''), 'base64').toString('utf8');
  try {
    const fields: unknown = JSON.parse(text || '{}');
    assertSafeKeys(fields);
    return fields;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw malformed('managedFields[].fieldsV1 is not JSON');
  }
}

/** Map entries as the object they stand for; every key is checked before it becomes one. */
function mapOf(entryType: protobuf.Type, entries: unknown[]): Plain {
  const map: Plain = {};
  const valueField = entryType.fields.value;
  for (const entry of entries) {
    if (!isPlain(entry)) continue;
    const key = String(entry.key ?? '');
    assertSafeKey(key, 'the request body');
    map[key] = valueField ? fieldJson(valueField, entry.value ?? defaultOf(valueField)) : undefined;
  }
  return map;
}

function defaultOf(field: protobuf.Field): unknown {
  return field.resolvedType instanceof protobuf.Type ? {} : '';
}

function messageJson(type: protobuf.Type, value: unknown): unknown {
  const plain = isPlain(value) ? value : {};
  switch (type.name) {
    case 'Time':
      return timeOf(plain);
    case 'MicroTime':
      return microTimeOf(plain);
    case 'FieldsV1':
      return fieldsOf(plain);
    case 'ExtraValue':
      return Array.isArray(plain.items) ? plain.items : [];
    default:
      return objectJson(type, plain);
  }
}

function fieldJson(field: protobuf.Field, value: unknown): unknown {
  const type = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  if (!type) return value;
  const items = Array.isArray(value) ? value : [value];
  if (MAP_ENTRY_TYPES.has(type.name)) return mapOf(type, items);
  return field.repeated ? items.map((item) => messageJson(type, item)) : messageJson(type, value);
}

/**
 * Kubernetes writes every non-pointer scalar field, empty or not, where its JSON leaves empty ones
 * out (`omitempty`): `""`, 0 and false are left out here too, so the object is the JSON one.
 */
function isZero(value: unknown): boolean {
  return value === '' || value === 0 || value === false;
}

/** A decoded message as the JSON object Kubernetes' JSON encoding of it would be. */
function objectJson(type: protobuf.Type, plain: Plain): Plain {
  const json: Plain = {};
  for (const [key, value] of Object.entries(plain)) {
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    const converted = field && !isZero(value) ? fieldJson(field, value) : undefined;
    if (converted !== undefined) json[key] = converted;
  }
  return json;
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array): Plain {
  try {
    return type.toObject(type.decode(bytes), { longs: Number, bytes: String, defaults: false });
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : String(error));
  }
}

function envelope(body: Buffer): { apiVersion: string; kind: string; raw: Uint8Array } {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw malformed('it does not start with the "k8s\\0" envelope prefix');
  const unknown = decodeMessage(protoType('Unknown'), body.subarray(MAGIC.length));
  if (unknown.contentEncoding) throw unsupported(`content encoding "${String(unknown.contentEncoding)}"`);
  const inner = String(unknown.contentType ?? '');
  if (inner !== '' && inner !== PROTOBUF_MEDIA_TYPE) throw unsupported(`an envelope holding ${inner}`);
  const typeMeta = isPlain(unknown.typeMeta) ? unknown.typeMeta : {};
  return {
    apiVersion: String(typeMeta.apiVersion ?? ''),
    kind: String(typeMeta.kind ?? ''),
    raw: Buffer.from(String(unknown.raw ?? ''), 'base64'),
  };
}

/**
 * Reads a Kubernetes protobuf body (the "k8s\0" envelope around a runtime.Unknown whose `raw` is
 * the kind's generated.proto message) into the object its JSON encoding would give. A body that
 * is not such an envelope is 400; a kind (or encoding) not read here is 415, naming what is.
 */
export function decodeKubeProtobuf(body: Buffer): Plain {
  const { apiVersion, kind, raw } = envelope(body);
  const messageName = PROTOBUF_KINDS.get(`${apiVersion}/${kind}`);
  if (!messageName)
    throw unsupported(kind ? `kind ${kind} (apiVersion "${apiVersion}")` : 'a body naming no kind');
  const type = protoType(messageName);
  return { apiVersion, kind, ...objectJson(type, decodeMessage(type, raw)) };
}
