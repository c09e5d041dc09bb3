import { resourceByKind } from '@gardener-ts/api';
import type { SearchIndex } from '@gardener-ts/search';
import { ResourceService } from '@gardener-ts/store';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SEARCH_INDEX } from '../tokens.js';
import { PeriodicPass } from './periodic-pass.js';

/** Shoots come and go rarely; rows of a gone shoot are never read (queries name live uids). */
const SEARCH_GC_MS = 10 * 60 * 1000;

/**
 * The search index's rows of shoots that no longer exist are deleted every 10 min (the syncer
 * clears a shoot it sees deleted; this catches the rest). Idempotent, so every API process may run it.
 */
@Injectable()
export class SearchGcLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('search-gc');
  private readonly passes: PeriodicPass;

  constructor(@Inject(SEARCH_INDEX) index: SearchIndex, @Inject(ResourceService) resources: ResourceService) {
    const shoots = resourceByKind('Shoot');
    this.passes = new PeriodicPass(this.logger, SEARCH_GC_MS, async () => {
      if (!shoots) return;
      const listedAt = new Date();
      const live = (await resources.list(shoots, undefined, {})).items.map((s) => s.metadata.uid ?? '');
      const removed = await index.removeShootsOtherThan(live, listedAt);
      if (removed) this.logger.log(`${removed} indexed objects of deleted shoots removed`);
    });
  }

  onApplicationBootstrap(): void {
    this.passes.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.passes.stop();
  }
}
