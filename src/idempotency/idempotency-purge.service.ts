import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CompletedKeysCache } from './completed-keys.cache';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyStore } from './idempotency-store';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

/**
 * Deletes expired keys in batches of at most `purgeBatchSize` rows a statement, each statement its
 * own short transaction, so the purge never holds many locks or blocks live requests for long.
 */
@Injectable()
export class IdempotencyPurgeService {
  private readonly logger = new Logger(IdempotencyPurgeService.name);
  private running = false;
  /** When the last purge (scheduled or called) finished without error: for monitoring that it runs. */
  lastSucceededAt?: Date;

  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly clock: IdempotencyClock,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    private readonly completed: CompletedKeysCache,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES, { name: 'idempotency-purge' })
  async scheduledPurge(): Promise<void> {
    if (!this.options.purgeEnabled || this.running) return;
    this.running = true;
    try {
      const deleted = await this.purge();
      if (deleted > 0) this.logger.log(`purged ${deleted} expired idempotency keys`);
    } catch (error) {
      this.logger.warn(`purge of expired idempotency keys failed; it runs again later: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** Purges until no expired key is left; returns how many were deleted. */
  async purge(onBatch?: (deletedSoFar: number) => void): Promise<number> {
    const now = this.clock.now();
    // Memory follows the table: what the purge may delete is no longer served from memory either.
    this.completed.evictExpired(now);
    let total = 0;
    for (;;) {
      const deleted = await this.store.purgeExpired(now, this.options.purgeBatchSize);
      total += deleted;
      if (deleted > 0) onBatch?.(total);
      if (deleted < this.options.purgeBatchSize) {
        this.lastSucceededAt = this.clock.now();
        return total;
      }
    }
  }
}
