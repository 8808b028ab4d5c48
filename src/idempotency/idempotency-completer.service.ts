import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyRecord, IdempotencyStore } from './idempotency-store';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { PhasedExecution } from './phased-execution';
import { PhasedHandlers } from './phased-handlers';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

/** What one pass of the completer did. */
export interface CompleterPass {
  /** Keys found abandoned at a recovery point. */
  found: number;
  finished: number;
  /** Resumed, but the foreign outcome is still unknown: tried again later, with backoff. */
  pending: number;
  /** Held by someone else (a client retry, another completer) by the time we asked. */
  skipped: number;
  failed: number;
}

const FIRST_BACKOFF_MS = 1_000;
const BATCH = 50;

/**
 * Drives multi-phase keys left at a recovery point (the request crashed, or its outcome was
 * unknown) to `finished`, through the same code as a client retry: it takes the key's lease
 * (owner token; one conditional UPDATE, so two completers, or a completer and a retry, never run
 * one key at once), reads the key again and runs the route's registered handler.
 *
 * It never decides an outcome by itself: a key whose foreign outcome stays unknown is tried again
 * (backoff doubling up to `completerMaxBackoffMs`) until the other side says what happened.
 */
@Injectable()
export class IdempotencyCompleter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyCompleter.name);
  private readonly backoff = new Map<string, { attempts: number; notBefore: number }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly clock: IdempotencyClock,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    private readonly phased: PhasedExecution,
    private readonly handlers: PhasedHandlers,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.completerEnabled) this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the abandoned keys; also what `npm run worker` and tests call. */
  async runOnce(): Promise<CompleterPass> {
    const pass: CompleterPass = { found: 0, finished: 0, pending: 0, skipped: 0, failed: 0 };
    const idleSince = new Date(this.clock.now().getTime() - this.options.completerGraceMs);
    const records = await this.store.findUnfinished(idleSince, BATCH);
    pass.found = records.length;
    if (records.length < BATCH) {
      // Every unfinished key was seen: forget the backoff of those finished elsewhere (a client retry).
      const unfinished = new Set(records.map((record) => `${record.scope}\u0000${record.key}`));
      for (const id of this.backoff.keys()) if (!unfinished.has(id)) this.backoff.delete(id);
    }
    for (const record of records) {
      const id = `${record.scope}\u0000${record.key}`;
      const wait = this.backoff.get(id);
      if (wait && wait.notBefore > Date.now()) {
        pass.skipped++;
        continue;
      }
      const result = await this.complete(record).catch((error: unknown) => {
        this.logger.warn(`completer: resuming a ${record.purpose ?? 'multi-phase'} key failed; retried later: ${(error as Error).message}`);
        return 'failed' as const;
      });
      pass[result]++;
      if (result === 'finished') this.backoff.delete(id);
      else if (result !== 'skipped') this.delay(id);
    }
    return pass;
  }

  private async complete(record: IdempotencyRecord): Promise<'finished' | 'pending' | 'skipped' | 'failed'> {
    const handler = this.handlers.get(record.purpose);
    if (!handler) {
      this.logger.warn(`completer: no handler registered for purpose "${record.purpose}"; the key waits`);
      return 'failed';
    }
    const owner = randomUUID();
    const now = this.clock.now();
    const leaseExpiresAt = new Date(now.getTime() + this.options.leaseMs);
    const acquired = await this.store.inTransaction(() => this.store.acquire(record.scope, record.key, owner, now, leaseExpiresAt));
    if (!acquired) return 'skipped';
    const current = await this.store.find(record.scope, record.key);
    const body: unknown = JSON.parse(current!.requestBody ?? 'null');
    const result = await this.phased.resume(current!, owner, () => handler(record.scope, body));
    return result.kind === 'finished' || result.kind === 'declined' ? 'finished' : result.kind === 'pending' ? 'pending' : 'skipped';
  }

  private delay(id: string): void {
    const attempts = (this.backoff.get(id)?.attempts ?? 0) + 1;
    const ms = Math.min(this.options.completerMaxBackoffMs, FIRST_BACKOFF_MS * 2 ** (attempts - 1));
    this.backoff.set(id, { attempts, notBefore: Date.now() + ms });
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((pass) => {
          if (pass.finished || pass.failed)
            this.logger.log(`completer: ${pass.finished} finished, ${pass.pending} still unknown, ${pass.failed} failed`);
        })
        .catch((error: unknown) => this.logger.warn(`completer pass failed; it runs again: ${(error as Error).message}`))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.schedule();
        });
    }, this.options.completerIntervalMs);
    this.timer.unref();
  }
}
