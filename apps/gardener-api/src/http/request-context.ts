import type { Project } from '@gardener-ts/api';
import type { Identity, RequestAttributes, SeedScope } from '@gardener-ts/auth';
import type { FastifyRequest } from 'fastify';

/** What the audit line needs to know about a request once it is answered. */
export interface RequestContext {
  identity?: Identity;
  attributes?: RequestAttributes;
  /** A gardenlet's shoots, read once per request (SeedAuthorizer). */
  seedScope?: SeedScope;
  /** Projects read for its authorization, by `namespace/<ns>` or `project/<name>`. */
  projects?: Map<string, Promise<Project | undefined>>;
  /** Why the request was refused (403), for the audit line. */
  denial?: string;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

/**
 * The request's context: a null-prototype object, so a field nobody set is undefined and never one
 * that Object.prototype supplies (whoever managed to write `Object.prototype.identity` would
 * otherwise be every request's identity).
 */
export function contextOf(request: FastifyRequest): RequestContext {
  let context = contexts.get(request);
  if (!context) {
    context = Object.create(null) as RequestContext;
    contexts.set(request, context);
  }
  return context;
}
