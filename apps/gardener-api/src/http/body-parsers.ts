import { ApiError, ApiErrorCode } from '@gardener-ts/api';
import type { FastifyInstance } from 'fastify';
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
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function parseYamlBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return parseYaml(text, { strict: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    throw new ApiError(
      ApiErrorCode.BadRequest,
      `the request body is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
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
