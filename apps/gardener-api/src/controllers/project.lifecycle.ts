import type { TokenStore } from '@gardener-ts/auth';
import { ProjectController } from '@gardener-ts/garden-controllers';
import { NamespaceContents, ResourceService, type Store } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ApiConfig } from '../config.js';
import { TOKEN_STORE } from '../http/authorizer.js';
import { API_CONFIG, STORE } from '../tokens.js';

/**
 * The project controller (libs/garden-controllers) in the API process: finalizer and phase on new
 * projects, emptying the namespace of deleted ones. Every API process runs it; an advisory lock
 * lets one pass run at a time.
 */
@Injectable()
export class ProjectControllerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('project-controller');
  private readonly controller: ProjectController;

  constructor(
    @Inject(STORE) store: Store,
    @Inject(ResourceService) resources: ResourceService,
    @Inject(TOKEN_STORE) tokens: TokenStore,
    @Inject(API_CONFIG) config: ApiConfig,
  ) {
    this.controller = new ProjectController(
      resources,
      new NamespaceContents(store.pool),
      tokens,
      store.pool,
      {
        resyncMs: config.projectResyncSeconds * 1000,
        onError: (error, what) =>
          this.logger.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`),
      },
    );
  }

  // after module init: the scheduler's create hook is registered before the first pass writes
  async onApplicationBootstrap(): Promise<void> {
    await this.controller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.controller.stop();
  }
}
