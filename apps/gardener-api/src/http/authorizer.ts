import type { FastifyRequest } from 'fastify';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** What a request wants to do, in the terms Kubernetes authorizers use. */
export interface RequestAttributes {
  verb: Verb;
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/**
 * The authentication/authorization seam (issue 5 plugs in bearer tokens and project roles here).
 * `authorize` throws an ApiError (Unauthorized/Forbidden) to refuse a request.
 */
export interface RequestAuthorizer {
  authorize(request: FastifyRequest, attributes: RequestAttributes): Promise<void>;
}

export const REQUEST_AUTHORIZER = Symbol('REQUEST_AUTHORIZER');

/** Until authentication lands, every request is allowed (bind the server to localhost). */
export class AllowAllAuthorizer implements RequestAuthorizer {
  async authorize(): Promise<void> {}
}
