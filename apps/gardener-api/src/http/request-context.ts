import type { Identity, RequestAttributes } from '@gardener-ts/auth';
import type { FastifyRequest } from 'fastify';

/** What the audit line needs to know about a request once it is answered. */
export interface RequestContext {
  identity?: Identity;
  attributes?: RequestAttributes;
  /** Why the request was refused (403), for the audit line. */
  denial?: string;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function contextOf(request: FastifyRequest): RequestContext {
  let context = contexts.get(request);
  if (!context) {
    context = {};
    contexts.set(request, context);
  }
  return context;
}
