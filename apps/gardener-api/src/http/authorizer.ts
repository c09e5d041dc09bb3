import {
  ApiError,
  ApiErrorCode,
  CORE_GROUP,
  type Project,
  QUOTA_GROUP,
  resourceByKind,
} from '@gardener-ts/api';
import {
  AuthError,
  AuthErrorCode,
  authorize,
  type Decision,
  type Identity,
  isGardenAdmin,
  makeIdentity,
  PROJECT_QUOTAS,
  type RequestAttributes,
  type SeedScope,
  seedNameDecision,
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
  /** The decision `authorize` would make for the caller, without refusing (what the access reviews report). */
  decide(request: FastifyRequest, attributes: RequestAttributes): Promise<Decision>;
  /** Any valid token will do (discovery and OpenAPI documents, as Kubernetes' system:discovery). */
  authenticate(request: FastifyRequest): Promise<Identity>;
  /** For a gardenlet's request, the shoots of its seed (what its objects must belong to). */
  seedScope(request: FastifyRequest): SeedScope | undefined;
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

/**
 * A gardenlet reads a shoot of another seed as absent, as one that is gone: a shoot deleted under
 * a running job reads as NotFound, and whether another seed's shoot exists is not told.
 */
function seesAsAbsent(a: RequestAttributes): boolean {
  return a.verb === 'get' && a.resource === 'shoots' && a.group === CORE_GROUP && !a.subresource;
}

function notFound(a: RequestAttributes): ApiError {
  return new ApiError(ApiErrorCode.NotFound, `${resourceName(a)} "${a.name}" not found`, {
    kind: a.resource,
    name: a.name ?? '',
    group: a.group,
  });
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
    const decision = await this.decision(request, identity, attributes);
    if (!decision.allowed && identity.kind === 'Seed' && seesAsAbsent(attributes)) throw notFound(attributes);
    if (!decision.allowed) {
      context.denial = decision.reason;
      throw new AuthError(AuthErrorCode.Forbidden, forbiddenMessage(identity, attributes, decision.reason));
    }
    return identity;
  }

  async decide(request: FastifyRequest, attributes: RequestAttributes): Promise<Decision> {
    return this.decision(request, await this.authenticate(request), attributes);
  }

  /** Project roles first; a gardenlet's request then by the names of its seed's shoots. */
  private async decision(
    request: FastifyRequest,
    identity: Identity,
    attributes: RequestAttributes,
  ): Promise<Decision> {
    const decision = authorize(identity, attributes, {
      project: await this.projectFor(request, identity, attributes),
    });
    if (!decision.allowed || identity.kind !== 'Seed') return decision;
    return seedNameDecision(await this.loadSeedScope(request, identity), attributes);
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

  seedScope(request: FastifyRequest): SeedScope | undefined {
    return contextOf(request).seedScope;
  }

  private async loadSeedScope(request: FastifyRequest, identity: Identity): Promise<SeedScope> {
    const context = contextOf(request);
    if (context.seedScope) return context.seedScope;
    const seedName = identity.seedName ?? '';
    const type = resourceByKind('Shoot');
    const shoots = type
      ? (await this.resources.list(type, undefined, { fieldSelector: `spec.seedName=${seedName}` })).items
      : [];
    context.seedScope = {
      seedName,
      shoots: new Set(shoots.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)),
    };
    return context.seedScope;
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

  private async projectFor(
    request: FastifyRequest,
    identity: Identity,
    a: RequestAttributes,
  ): Promise<Project | undefined> {
    if (isGardenAdmin(identity)) return undefined;
    const key =
      a.namespace !== undefined
        ? `namespace/${a.namespace}`
        : (a.resource === 'projects' && a.group === 'core.gardener.cloud') ||
            (a.resource === PROJECT_QUOTAS && a.group === QUOTA_GROUP)
          ? `project/${a.name ?? ''}`
          : undefined;
    if (key === undefined) return undefined;
    // read once per request: an access review asks about many requests of one project
    const context = contextOf(request);
    context.projects ??= new Map();
    let project = context.projects.get(key);
    if (!project) {
      project = this.loadProject(a.namespace, a.name);
      context.projects.set(key, project);
    }
    return project;
  }

  private async loadProject(namespace: string | undefined, name: string | undefined) {
    const projectName =
      namespace !== undefined ? await this.resources.lookups.projectOfNamespace(namespace) : name;
    const type = resourceByKind('Project');
    if (!projectName || !type) return undefined;
    return (await this.resources.get(type, undefined, projectName).catch(() => undefined)) as
      | Project
      | undefined;
  }
}

/** Everyone is a garden admin: for embedding and tests that are not about access. */
export class AllowAllAuthorizer implements RequestAuthorizer {
  async authorize(): Promise<Identity> {
    return this.authenticate();
  }

  async decide(): Promise<Decision> {
    return { allowed: true };
  }

  async authenticate(): Promise<Identity> {
    return makeIdentity({ name: 'anonymous', kind: 'User', gardenAdmin: true });
  }

  seedScope(): undefined {
    return undefined;
  }
}
