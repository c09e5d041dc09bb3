import {
  AUTH_API_VERSION,
  AUTH_GROUP,
  AUTH_VERSION,
  parseTokenRequest,
  type RequestAttributes,
  rotateAdminToken,
  SERVICE_ACCOUNT_TOKENS,
  type TokenKind,
  type TokenRecord,
  type TokenStore,
  tokenObject,
  USER_TOKENS,
  type Verb,
} from '@gardener-ts/auth';
import { ResourceService } from '@gardener-ts/store';
import { Controller, Delete, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { replaceGardenKubeconfigToken } from '../bootstrap/kubeconfig.js';
import type { ApiConfig } from '../config.js';
import { API_CONFIG } from '../tokens.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer, TOKEN_STORE } from './authorizer.js';

const BASE = `apis/${AUTH_GROUP}/${AUTH_VERSION}`;
const USER = `${BASE}/${USER_TOKENS}`;
const SERVICE_ACCOUNT = `${BASE}/namespaces/:namespace/${SERVICE_ACCOUNT_TOKENS}`;
const ADMIN_TOKEN = 'admintoken';

interface Params {
  namespace?: string;
  name?: string;
}

/**
 * Bearer tokens: garden admins issue UserTokens to named users; project owners and
 * serviceaccountmanagers issue ServiceAccountTokens. The secret is in the create response only;
 * deleting a token revokes it at once. A garden admin rotates the admin token file's token with
 * `POST .../admintoken/rotate`: the old one is refused from the next request on.
 */
@Controller()
export class TokenController {
  constructor(
    @Inject(TOKEN_STORE) private readonly tokens: TokenStore,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(ResourceService) private readonly resources: ResourceService,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Post(`${BASE}/${ADMIN_TOKEN}/rotate`)
  @HttpCode(201)
  async rotateAdmin(@Req() request: FastifyRequest) {
    await this.authorizer.authorize(request, {
      verb: 'create',
      group: AUTH_GROUP,
      version: AUTH_VERSION,
      resource: ADMIN_TOKEN,
      subresource: 'rotate',
    });
    const rotated = await rotateAdminToken(this.tokens, this.config.adminTokenFile);
    replaceGardenKubeconfigToken(this.config.kubeconfigFile, rotated.token);
    return tokenObject(rotated.record, rotated.token);
  }

  @Post([USER, SERVICE_ACCOUNT])
  @HttpCode(201)
  async create(@Req() request: FastifyRequest) {
    const { kind, namespace } = await this.allow(request, 'create');
    if (namespace !== undefined) await this.resources.activeNamespace(namespace);
    const issued = await this.tokens.issue(
      parseTokenRequest(request.body, kind === 'user' ? 'UserToken' : 'ServiceAccountToken', namespace),
    );
    if (namespace !== undefined) await this.revokeIfTerminated(issued.record, namespace);
    return tokenObject(issued.record, issued.token);
  }

  @Get([USER, SERVICE_ACCOUNT])
  async list(@Req() request: FastifyRequest) {
    const { kind, namespace } = await this.allow(request, 'list');
    const items = (await this.tokens.list(kind, namespace)).map((r) => tokenObject(r));
    const listKind = kind === 'user' ? 'UserTokenList' : 'ServiceAccountTokenList';
    return { apiVersion: AUTH_API_VERSION, kind: listKind, metadata: {}, items };
  }

  @Get([`${USER}/:name`, `${SERVICE_ACCOUNT}/:name`])
  async get(@Req() request: FastifyRequest) {
    const { kind, namespace, name } = await this.allow(request, 'get');
    return tokenObject(await this.tokens.get(kind, namespace ?? '', name ?? ''));
  }

  @Delete([`${USER}/:name`, `${SERVICE_ACCOUNT}/:name`])
  async revoke(@Req() request: FastifyRequest) {
    const { kind, namespace, name } = await this.allow(request, 'delete');
    return tokenObject(await this.tokens.revoke(kind, namespace ?? '', name ?? ''));
  }

  /**
   * A project deleted while its token was being issued: the project controller revokes the
   * namespace's tokens only after the deletion is marked, so a token stored before this second
   * look is either revoked here or seen by the controller.
   */
  private async revokeIfTerminated(record: TokenRecord, namespace: string): Promise<void> {
    try {
      await this.resources.activeNamespace(namespace);
    } catch (error) {
      await this.tokens.revoke(record.kind, record.namespace, record.name).catch(() => undefined);
      throw error;
    }
  }

  private async allow(request: FastifyRequest, verb: Verb) {
    const params = request.params as Params;
    const kind: TokenKind = params.namespace === undefined ? 'user' : 'serviceaccount';
    const attributes: RequestAttributes = {
      verb,
      group: AUTH_GROUP,
      version: AUTH_VERSION,
      resource: kind === 'user' ? USER_TOKENS : SERVICE_ACCOUNT_TOKENS,
      ...(params.namespace !== undefined ? { namespace: params.namespace } : {}),
      ...(params.name !== undefined ? { name: params.name } : {}),
    };
    await this.authorizer.authorize(request, attributes);
    return { kind, namespace: params.namespace, name: params.name };
  }
}
