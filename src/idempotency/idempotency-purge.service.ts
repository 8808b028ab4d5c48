import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CompletedKeysCache } from './completed-keys.cache';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyStore } from './idempotency-store';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

/** The scheduled purge's lease: longer than its 10-minute schedule, so its holder keeps it while it lives. */
const PURGE_LEASE_MS = 15 * 60_000;
const PURGE_JOB = 'idempotency-purge';

/**
 * Deletes expired keys in batches of at most `purgeBatchSize` rows a statement, each statement its
 * own short transaction, so the purge never holds many locks or blocks live requests for long.
 *
 * Every process schedules it, one runs it: the scheduled purge first takes the job's lease in the
 * store (`leaseJob`), which its holder renews at every run; the others find it held and skip. When
 * the holder stops, another process takes the lease once it has lapsed (at most `PURGE_LEASE_MS`).
 */
@Injectable()
export class IdempotencyPurgeService {
  private readonly logger = new Logger(IdempotencyPurgeService.name);
  private running = false;
  /** This process, as the purge lease's owner. */
  private readonly owner = randomUUID();
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
      const now = this.clock.now();
      // Every process drops its own expired cached answers; only the lease holder purges the table.
      this.completed.evictExpired(now);
      if (!(await this.store.leaseJob(PURGE_JOB, this.owner, now, new Date(now.getTime() + PURGE_LEASE_MS)))) return;
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
