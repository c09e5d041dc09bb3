import { ApiError, ApiErrorCode, assertSafeKeys, isUnsafeKey, unsafeKeyError } from '@gardener-ts/api';
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

/**
 * Replaces Fastify's parsers with the media types the API speaks. Anything else is answered 415
 * by Fastify, a body over the limit 413; both reach the Status filter through Nest's error handler.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  const options = { parseAs: 'string' as const, bodyLimit };
  fastify.addContentTypeParser([...JSON_MEDIA_TYPES], options, (_request, body, done) => {
    try {
      done(null, parseJson(body as unknown as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser([...YAML_MEDIA_TYPES], options, (_request, body, done) => {
    try {
      done(null, parseYamlBody(body as unknown as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
