import { ApiError, ApiErrorCode, technicalId, timestamp } from '@gardener-ts/api';
import { type KubeconfigRole } from '@gardener-ts/pki';
import { type SeedBackend, SeedError, SeedErrorCode } from '@gardener-ts/seed';
import { ResourceService } from '@gardener-ts/store';
import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SEED_BACKEND } from '../tokens.js';
import { REQUEST_AUTHORIZER, type RequestAuthorizer } from './authorizer.js';

import { resolveTarget } from './routing.js';

const SHOOT_PATH = 'apis/core.gardener.cloud/v1beta1/namespaces/:namespace/shoots/:name';
const DEFAULT_SECONDS = 3600;
const MAX_SECONDS = 24 * 3600;
const MIN_SECONDS = 600;

/**
 * Gardener's AdminKubeconfigRequest / ViewerKubeconfigRequest: a short-lived client certificate
 * for the shoot, signed by its cluster CA; nothing is stored, and the shoot's API server refuses
 * it once expired.
 */
@Controller()
export class ShootKubeconfigController {
  constructor(
    @Inject(ResourceService) private readonly resources: ResourceService,
    @Inject(REQUEST_AUTHORIZER) private readonly authorizer: RequestAuthorizer,
    @Inject(SEED_BACKEND) private readonly seed: SeedBackend,
  ) {}

  @Post(`${SHOOT_PATH}/adminkubeconfig`)
  @HttpCode(201)
  admin(@Req() request: FastifyRequest, @Param() params: { namespace: string; name: string }) {
    return this.issue(request, params, 'admin');
  }

  @Post(`${SHOOT_PATH}/viewerkubeconfig`)
  @HttpCode(201)
  viewer(@Req() request: FastifyRequest, @Param() params: { namespace: string; name: string }) {
    return this.issue(request, params, 'viewer');
  }

  private async issue(
    request: FastifyRequest,
    params: { namespace: string; name: string },
    role: KubeconfigRole,
  ) {
    const target = resolveTarget(
      { group: 'core.gardener.cloud', version: 'v1beta1', plural: 'shoots', ...params },
      true,
    );
    const identity = await this.authorizer.authorize(request, {
      verb: 'create',
      group: target.type.group,
      version: target.type.version,
      resource: 'shoots',
      subresource: `${role}kubeconfig`,
      namespace: params.namespace,
      name: params.name,
    });
    const kind = role === 'admin' ? 'AdminKubeconfigRequest' : 'ViewerKubeconfigRequest';
    const expirationSeconds = requestedSeconds(request.body, kind);
    // the shoot must exist; its cluster is named by its own identity, never by a field a user (or a
    // status) can write: the technical ID of namespace and name, as the gardenlet deploys it
    const shoot = await this.resources.get(target.type, params.namespace, params.name);
    const cluster = technicalId(
      shoot.metadata.namespace ?? params.namespace,
      shoot.metadata.name ?? params.name,
    );
    const issued = await this.seed
      .issueKubeconfig(cluster, { role, user: identity.name, expirationSeconds })
      .catch((error: unknown) => {
        if (error instanceof SeedError && error.code === SeedErrorCode.NotFound) throw notReady(params.name);
        throw error;
      });
    return {
      apiVersion: 'authentication.gardener.cloud/v1alpha1',
      kind,
      metadata: { name: params.name, namespace: params.namespace },
      spec: { expirationSeconds: issued.expirationSeconds },
      status: {
        kubeconfig: Buffer.from(issued.kubeconfig).toString('base64'),
        expirationTimestamp: timestamp(issued.expirationTimestamp),
      },
    };
  }
}

function notReady(name: string): ApiError {
  return new ApiError(
    ApiErrorCode.Conflict,
    `shoot "${name}" has no control plane yet: wait until it is created`,
  );
}

/** spec.expirationSeconds: default 1 h, at least 10 min, at most 24 h (longer requests are capped). */
function requestedSeconds(body: unknown, kind: string): number {
  if (body === undefined || body === null) return DEFAULT_SECONDS;
  const request = body as { kind?: unknown; spec?: { expirationSeconds?: unknown } };
  if (request.kind !== undefined && request.kind !== kind) {
    throw new ApiError(ApiErrorCode.BadRequest, `expected a ${kind}, got kind "${String(request.kind)}"`);
  }
  const seconds = request.spec?.expirationSeconds;
  if (seconds === undefined) return DEFAULT_SECONDS;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_SECONDS) {
    throw new ApiError(
      ApiErrorCode.Invalid,
      `spec.expirationSeconds must be an integer of at least ${MIN_SECONDS}`,
      {
        kind,
        causes: [
          {
            type: 'FieldValueInvalid',
            field: 'spec.expirationSeconds',
            message: `must be an integer >= ${MIN_SECONDS}`,
          },
        ],
      },
    );
  }
  return Math.min(seconds, MAX_SECONDS);
}
