import { Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';

type Record = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A Redis round trip that takes longer than this is treated as Redis being away. */
const REDIS_COMMAND_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 60_000;

/**
 * Rate-limit counters shared by every app process through Redis (`REDIS_URL`), so that a client's
 * limit is one limit however many processes serve it. The counting itself is the maintained
 * `@nest-lab/throttler-storage-redis` (one atomic script a request: INCR with an expiry, fixed
 * windows).
 *
 * When Redis does not answer within `REDIS_COMMAND_TIMEOUT_MS`, requests are counted per process
 * instead (the limit is then per process, as without Redis) and a warning is logged at most once a
 * minute: a rate limiter must not turn a Redis outage into a payments outage, nor switch limits off.
 */
export class SharedThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly shared: ThrottlerStorageRedisService;
  private readonly local = new FixedWindowThrottlerStorage();
  private lastWarning = 0;

  constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, {
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    // ioredis reports connection errors as events; without a listener they would be thrown.
    this.redis.on('error', (error: Error) => this.warn(error));
    this.shared = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<Record> {
    try {
      return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.warn(error as Error);
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }

  private warn(error: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(`Redis is not answering (${error.message}); rate limits are counted per process until it is back`);
  }
}
