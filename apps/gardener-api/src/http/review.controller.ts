import { ApiError, ApiErrorCode, resourceByPlural } from '@gardener-ts/api';
import {
  AUTHENTICATION_GROUP,
  AUTHORIZATION_GROUP,
  type Decide,
  type Decision,
  type Identity,
  REVIEW_VERSION,
  type RequestAttributes,
  type RulesContext,
  seedOwns,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
} from '@gardener-ts/auth';
import { ResourceService } from '@gardener-ts/store';
import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { REQUEST_AUTHORIZER, type RequestAuthorizer } from './authorizer.js';

const AUTHENTICATION = `apis/${AUTHENTICATION_GROUP}/${REVIEW_VERSION}`;
const AUTHORIZATION = `apis/${AUTHORIZATION_GROUP}/${REVIEW_VERSION}`;

function seedRulesCaveat(seedName: string): string {
  return `the gardenlet of seed "${seedName}" acts only on the shoots of its seed and their <shoot>.* secrets and config maps, decided object by object (SeedAuthorizer)`;
}

/**
 * `kubectl auth whoami` and `kubectl auth can-i [--list]`: the review kinds, answered from the
 * same authorizer every request goes through (libs/auth reviews.ts says how), never stored.
 */
@Controller()
export class ReviewController {
  constructor(
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(ResourceService) private readonly resources: ResourceService,
  ) {}

  @Post(`${AUTHENTICATION}/selfsubjectreviews`)
  @HttpCode(201)
  async whoAmI(@Req() request: FastifyRequest) {
    const identity = await this.allow(request, AUTHENTICATION_GROUP, 'selfsubjectreviews');
    return selfSubjectReview(request.body, identity);
  }

  @Post(`${AUTHORIZATION}/selfsubjectaccessreviews`)
  @HttpCode(201)
  async canI(@Req() request: FastifyRequest) {
    const identity = await this.allow(request, AUTHORIZATION_GROUP, 'selfsubjectaccessreviews');
    return selfSubjectAccessReview(request.body, this.decider(request, identity));
  }

  @Post(`${AUTHORIZATION}/selfsubjectrulesreviews`)
  @HttpCode(201)
  async rules(@Req() request: FastifyRequest) {
    const identity = await this.allow(request, AUTHORIZATION_GROUP, 'selfsubjectrulesreviews');
    const contextFor = async (namespace: string): Promise<RulesContext> => ({
      projectName: namespace ? await this.resources.lookups.projectOfNamespace(namespace) : undefined,
      incomplete: identity.kind === 'Seed' ? seedRulesCaveat(identity.seedName ?? '') : undefined,
    });
    return selfSubjectRulesReview(request.body, contextFor, this.decider(request, identity));
  }

  private allow(request: FastifyRequest, group: string, resource: string) {
    return this.authorizer.authorize(request, { verb: 'create', group, version: REVIEW_VERSION, resource });
  }

  /**
   * Each question decided as the caller's own request would be (decide notes no denial for the
   * audit); a gardenlet's question about one object also as its read would be: by the object.
   */
  private decider(request: FastifyRequest, identity: Identity): Decide {
    return async (attributes) => {
      const decision = await this.authorizer.decide(request, attributes);
      if (!decision.allowed || identity.kind !== 'Seed' || attributes.name === undefined) return decision;
      return this.seedObjectDecision(request, attributes);
    };
  }

  /** An object that exists and is not its seed's is refused to a gardenlet when it reads it (ResourceController). */
  private async seedObjectDecision(request: FastifyRequest, a: RequestAttributes): Promise<Decision> {
    const scope = this.authorizer.seedScope(request);
    const type = resourceByPlural(a.group, a.version, a.resource);
    if (!scope || !type) return { allowed: true };
    const object = await this.resources.get(type, a.namespace, a.name ?? '').catch((error: unknown) => {
      if (error instanceof ApiError && error.code === ApiErrorCode.NotFound) return undefined;
      throw error;
    });
    if (!object || seedOwns(scope, object)) return { allowed: true };
    return {
      allowed: false,
      reason: `${object.kind} "${a.name}" does not belong to a shoot of seed "${scope.seedName}"`,
    };
  }
}
