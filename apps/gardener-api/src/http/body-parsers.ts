import {
  ApiError,
  ApiErrorCode,
  assertSafeKeys,
  decodeKubeProtobuf,
  isUnsafeKey,
  PROTOBUF_MEDIA_TYPE,
  protobufKinds,
  unsafeKeyError,
} from '@gardener-ts/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseYaml } from 'yaml';

export const JSON_MEDIA_TYPES = [
  'application/json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
] as const;
export const YAML_MEDIA_TYPES = [
  'application/yaml',
  'application/x-yaml',
  'application/apply-patch+yaml',
] as const;

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  assertSafeKeys(body);
  return body;
}

function parseYamlBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    // YAML 1.2 core schema: `<<` is an ordinary key (no merge keys), aliases are bounded.
    body = parseYaml(text, { strict: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the request body is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  assertSafeKeys(body);
  return body;
}

/**
 * The query string as a null-prototype object of strings (the first value of a repeated parameter,
 * as Kubernetes reads one): nothing read from it can come from Object.prototype, and it never throws
 * (it runs inside Fastify's router, where a throw would not become a Status).
 */
export function parseQueryString(text: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) if (!Object.hasOwn(query, key)) query[key] = value;
  return query;
}

/** `a[b][c]` and `a.b.c`: the segments a nested-object query parser would assign through. */
function querySegments(key: string): string[] {
  return key.split(/[[\].]+/).filter((segment) => segment !== '');
}

/** Refuses (400) a query parameter named, or nested through, `__proto__`, `constructor` or `prototype`. */
export function registerQueryGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    for (const key of Object.keys(request.query as object)) {
      if (querySegments(key).some(isUnsafeKey)) throw unsafeKeyError(key, 'the query string');
    }
  });
}

function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(
    ApiErrorCode.UnsupportedMediaType,
    `the body of the request was in an unknown format "${contentType.slice(0, 100)}" - accepted media types include: ${[...JSON_MEDIA_TYPES, ...YAML_MEDIA_TYPES].join(', ')}, and ${PROTOBUF_MEDIA_TYPE} for ${protobufKinds().join(', ')}`,
  );
}

/**
 * A body without a Content-Type is read as JSON, as kube-apiserver reads it; any other media type
 * not registered below is 415 naming those that are.
 */
function parseUntyped(request: FastifyRequest, body: Buffer): unknown {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) throw unsupportedMediaType(contentType);
  return parseJson(body.toString('utf8'));
}

type Done = (error: Error | null, body?: unknown) => void;

function settle(done: Done, parse: () => unknown): void {
  try {
    done(null, parse());
  } catch (error) {
    done(error instanceof Error ? error : new Error(String(error)), undefined);
  }
}

/**
 * Replaces Fastify's parsers with the media types the API speaks, each within the body limit
 * (413 beyond it); failures reach the Status filter through Nest's error handler.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  const text = { parseAs: 'string' as const, bodyLimit };
  const bytes = { parseAs: 'buffer' as const, bodyLimit };
  fastify.addContentTypeParser<string>([...JSON_MEDIA_TYPES], text, (_request, body: string, done) =>
    settle(done, () => parseJson(body)),
  );
  fastify.addContentTypeParser<string>([...YAML_MEDIA_TYPES], text, (_request, body: string, done) =>
    settle(done, () => parseYamlBody(body)),
  );
  fastify.addContentTypeParser<Buffer>(PROTOBUF_MEDIA_TYPE, bytes, (_request, body: Buffer, done) =>
    settle(done, () => decodeKubeProtobuf(body)),
  );
  fastify.addContentTypeParser<Buffer>('*', bytes, (request, body: Buffer, done) =>
    settle(done, () => parseUntyped(request, body)),
  );
}
