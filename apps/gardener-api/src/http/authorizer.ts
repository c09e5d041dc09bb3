import { ApiError, ApiErrorCode, type Project, QUOTA_GROUP, resourceByKind } from '@gardener-ts/api';
import {
  AuthError,
  AuthErrorCode,
  authorize,
  type Identity,
  isGardenAdmin,
  makeIdentity,
  PROJECT_QUOTAS,
  type RequestAttributes,
  type TokenStore,
} from '@gardener-ts/auth';
import { ResourceService } from '@gardener-ts/store';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { contextOf } from './request-context.js';

export type { RequestAttributes, Verb } from '@gardener-ts/auth';

/**
 * Authenticates a request and decides whether it may do what `attributes` say. Returns the
 * caller's identity, or throws an AuthError (401 Unauthenticated, 403 Forbidden).
 */
export interface RequestAuthorizer {
  authorize(request: FastifyRequest, attributes: RequestAttributes): Promise<Identity>;
  /** Any valid token will do (discovery and OpenAPI documents, as Kubernetes' system:discovery). */
  authenticate(request: FastifyRequest): Promise<Identity>;
}

export const REQUEST_AUTHORIZER = Symbol('REQUEST_AUTHORIZER');
export const TOKEN_STORE = Symbol('TOKEN_STORE');

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function resourceName(a: RequestAttributes): string {
  return a.group ? `${a.resource}.${a.group}` : a.resource;
}

/** Kubernetes' wording, so kubectl users recognise it: `User "x" cannot get resource ...`. */
function forbiddenMessage(identity: Identity, a: RequestAttributes, reason: string): string {
  const subject = a.name ? `${resourceName(a)} "${a.name}"` : resourceName(a);
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : a.name ? '' : ' at the cluster scope';
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `${subject} is forbidden: User "${identity.name}" cannot ${a.verb} resource "${resource}" in API group "${a.group}"${where}: ${reason}`;
}

/** Bearer tokens (stored hashed) and Gardener's project roles. */
@Injectable()
export class TokenAuthorizer implements RequestAuthorizer {
  constructor(
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    @Inject(ResourceService) private readonly resources: ResourceService,
  ) {}

  async authorize(request: FastifyRequest, attributes: RequestAttributes): Promise<Identity> {
    const context = contextOf(request);
    context.attributes = attributes;
    const identity = await this.authenticate(request);
    const decision = authorize(identity, attributes, {
      project: await this.projectFor(identity, attributes),
    });
    if (!decision.allowed) {
      context.denial = decision.reason;
      throw new AuthError(AuthErrorCode.Forbidden, forbiddenMessage(identity, attributes, decision.reason));
    }
    return identity;
  }

  async authenticate(request: FastifyRequest): Promise<Identity> {
    const context = contextOf(request);
    // own property only: an identity is what this request's token established, nothing else
    if (Object.hasOwn(context, 'identity') && context.identity) return context.identity;
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    const identity = token ? await this.tokens.authenticate(token) : undefined;
    if (!identity || !(await this.accountLives(identity)))
      throw new AuthError(AuthErrorCode.Unauthenticated, 'Unauthorized');
    context.identity = identity;
    return identity;
  }

  /**
   * A service account's tokens die the moment its project is marked for deletion (the project
   * controller then revokes them, so that a later owner of the namespace does not revive them).
   */
  private async accountLives(identity: Identity): Promise<boolean> {
    if (identity.kind !== 'ServiceAccount' || !identity.namespace) return true;
    try {
      await this.resources.activeNamespace(identity.namespace);
      return true;
    } catch (error) {
      if (error instanceof ApiError && [ApiErrorCode.NotFound, ApiErrorCode.Forbidden].includes(error.code))
        return false;
      throw error;
    }
  }

  private async projectFor(identity: Identity, a: RequestAttributes): Promise<Project | undefined> {
    if (isGardenAdmin(identity)) return undefined;
    const name =
      a.namespace !== undefined
        ? await this.resources.lookups.projectOfNamespace(a.namespace)
        : (a.resource === 'projects' && a.group === 'core.gardener.cloud') ||
            (a.resource === PROJECT_QUOTAS && a.group === QUOTA_GROUP)
          ? a.name
          : undefined;
    if (!name) return undefined;
    const type = resourceByKind('Project');
    if (!type) return undefined;
    return (await this.resources.get(type, undefined, name).catch(() => undefined)) as Project | undefined;
  }
}

/** Everyone is a garden admin: for embedding and tests that are not about access. */
export class AllowAllAuthorizer implements RequestAuthorizer {
  async authorize(): Promise<Identity> {
    return this.authenticate();
  }

  async authenticate(): Promise<Identity> {
    return makeIdentity({ name: 'anonymous', kind: 'User', gardenAdmin: true });
  }
}
