import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';

/** How stale `last_used_at` may be: it records the day and hour a key was last used, not every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_TRACKED_KEYS = 10_000;

/**
 * Keeps `api_keys.last_used_at` roughly current without a write per request: at most one UPDATE
 * per key per minute in each process, issued after the request's authentication has returned
 * (never awaited by it), and conditional, so that several processes together move the row at
 * most once every 30 s. A failed write is logged and tried again on a later use; the
 * request it came from is not affected. On SQLite the write shares the one connection and may
 * land inside a request's transaction; if that one rolls back, the timestamp waits for the next
 * minute, which is the precision promised anyway.
 */
@Injectable()
export class KeyUsageRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(KeyUsageRecorder.name);
  private readonly lastWrittenMs = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly dataSource: DataSource) {}

  /** Notes a successful authentication with `keyId` at `at`; returns whether a write was scheduled. */
  used(keyId: string, at: Date): boolean {
    const last = this.lastWrittenMs.get(keyId);
    if (last !== undefined && at.getTime() - last < LAST_USED_RESOLUTION_MS) return false;
    if (this.lastWrittenMs.size >= MAX_TRACKED_KEYS) this.forgetOldest(at.getTime());
    this.lastWrittenMs.set(keyId, at.getTime());
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.write(keyId, at))
      .catch((error: Error) => {
        this.lastWrittenMs.delete(keyId);
        this.logger.warn(`last use of API key ${keyId} not recorded: ${error.message}`);
      })
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
    return true;
  }

  /** Lets the writes already scheduled finish before the database connections close. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async write(keyId: string, at: Date): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('id = :keyId', { keyId })
      .andWhere('(last_used_at IS NULL OR last_used_at < :staleBefore)', { staleBefore: new Date(at.getTime() - LAST_USED_RESOLUTION_MS / 2) })
      .execute();
  }

  private forgetOldest(nowMs: number): void {
    for (const [keyId, writtenMs] of this.lastWrittenMs) {
      if (nowMs - writtenMs >= LAST_USED_RESOLUTION_MS) this.lastWrittenMs.delete(keyId);
    }
    if (this.lastWrittenMs.size >= MAX_TRACKED_KEYS) this.lastWrittenMs.delete(this.lastWrittenMs.keys().next().value!);
  }
}
