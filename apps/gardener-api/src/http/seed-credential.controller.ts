import { ApiError, ApiErrorCode, requireResourceByKind } from '@gardener-ts/api';
import {
  AUTH_GROUP,
  AUTH_VERSION,
  AuthError,
  AuthErrorCode,
  hashToken,
  parseSeedBootstrapRequest,
  SEED_BOOTSTRAP_TOKENS,
  SEED_CREDENTIALS,
  seedTokenObject,
  type TokenStore,
} from '@gardener-ts/auth';
import { ResourceService } from '@gardener-ts/store';
import { Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SeedRedisAccessLifecycle } from '../controllers/seed-redis-access.lifecycle.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer, TOKEN_STORE } from './authorizer.js';
import { contextOf } from './request-context.js';

const SEED = requireResourceByKind('Seed');
const BASE = `apis/${AUTH_GROUP}/${AUTH_VERSION}`;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * A seed's identity, as Gardener's gardenlet bootstrap: a garden admin issues a short-lived,
 * single-use bootstrap token for a seed; the new gardenlet trades it once for its seed credential,
 * a token that the SeedAuthorizer scopes to the seed and that is also its Redis ACL password.
 */
@Controller()
export class SeedCredentialController {
  constructor(
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(SeedRedisAccessLifecycle) private readonly redisAccess: SeedRedisAccessLifecycle,
    @Inject(ResourceService) private readonly resources: ResourceService,
  ) {}

  @Post(`${BASE}/${SEED_BOOTSTRAP_TOKENS}`)
  @HttpCode(201)
  async bootstrapToken(@Req() request: FastifyRequest) {
    await this.authorizer.authorize(request, {
      verb: 'create',
      group: AUTH_GROUP,
      version: AUTH_VERSION,
      resource: SEED_BOOTSTRAP_TOKENS,
    });
    const { seedName, expiresAt } = parseSeedBootstrapRequest(request.body);
    await this.requireSeed(seedName);
    const issued = await this.tokens.issueSeedBootstrap(seedName, expiresAt);
    return seedTokenObject('SeedBootstrapToken', issued.record, issued.token);
  }

  @Post(`${BASE}/${SEED_CREDENTIALS}`)
  @HttpCode(201)
  async exchange(@Req() request: FastifyRequest) {
    const identity = await this.authorizer.authenticate(request);
    if (identity.kind !== 'SeedBootstrap') {
      contextOf(request).denial = 'not a seed bootstrap token';
      throw new AuthError(
        AuthErrorCode.Forbidden,
        `seedcredentials.${AUTH_GROUP} is forbidden: User "${identity.name}" cannot create resource "${SEED_CREDENTIALS}": only a seed's bootstrap token can be exchanged for its credential`,
      );
    }
    const bootstrap = BEARER.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const issued = await this.tokens.exchangeSeedBootstrap(bootstrap);
    if (!issued) throw new AuthError(AuthErrorCode.Unauthenticated, 'Unauthorized');
    // a seed deleted since its bootstrap token was issued: its credential goes with the next sync
    await this.requireSeed(issued.record.subject);
    await this.redisAccess.access.ensure({
      seedName: issued.record.subject,
      sha256Hex: hashToken(issued.token).toString('hex'),
    });
    return seedTokenObject('SeedCredential', issued.record, issued.token);
  }

  /** Credentials are for registered seeds only; deleting the Seed revokes them (SeedRedisAccessLifecycle). */
  private async requireSeed(seedName: string): Promise<void> {
    try {
      await this.resources.get(SEED, undefined, seedName);
    } catch (error) {
      if (error instanceof ApiError && error.code === ApiErrorCode.NotFound)
        throw new ApiError(
          ApiErrorCode.NotFound,
          `seed "${seedName}" is not registered: create its Seed first (npm run add-seed does both)`,
        );
      throw error;
    }
  }
}
