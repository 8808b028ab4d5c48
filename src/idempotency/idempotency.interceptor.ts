import { randomUUID } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { from, lastValueFrom, Observable } from 'rxjs';
import { Clock } from './clock';
import { CompletedKeysCache } from './completed-keys.cache';
import { IdempotentMetadata, IdempotentOptions } from './idempotent.decorator';
import { KeyedRequest, readKeyedRequest } from './keyed-request';
import { Declined, ResponseCapture, Unstored } from './response-capture';
import { IdempotencyRecord, IdempotencyStore, LeaseLostError, StoredResponse } from './idempotency-store';
import {
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  IdempotencyStoreUnavailableError,
} from './idempotency.errors';
import { IdempotencyOutcome, IdempotencyRequest, setOutcome } from './idempotency-outcome';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';
import type { ResolvedIdempotencyOptions } from './idempotency.options';

const DEDUPLICATED_METHODS = new Set(['POST', 'PATCH']);
const POLL_INTERVAL_MS = 50;

type Outcome = (outcome: IdempotencyOutcome) => void;
type UnitResult =
  | { kind: 'executed'; response: StoredResponse; record: IdempotencyRecord }
  | { kind: 'existing'; record: IdempotencyRecord }
  | { kind: 'busy' };
const RETRY = Symbol('retry');

/**
 * Runs `@Idempotent()` routes exactly once per (client, key).
 *
 * A first request claims its key, runs the handler and records the response in one transaction, so
 * a crash at any point leaves either everything or nothing. A repeat replays the record; a repeat
 * arriving while the first still runs waits for it (the database's row lock, or polling on stores
 * without one) and replays, or gets 409 once the wait is over.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    private readonly clock: Clock,
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    private readonly completed: CompletedKeysCache,
  ) {
    this.responses = new ResponseCapture(() => this.adapterHost.httpAdapter, options);
  }

  private readonly responses: ResponseCapture;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.reflector.getAllAndOverride(IdempotentMetadata, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<IdempotencyRequest>();
    if (!route || !this.options.enabled || !DEDUPLICATED_METHODS.has(request.method)) {
      return next.handle();
    }
    return from(this.handle(request, context.switchToHttp().getResponse(), route, next));
  }

  private async handle(request: IdempotencyRequest, response: unknown, route: IdempotentOptions, next: CallHandler) {
    const keyed = readKeyedRequest(request, route, this.options, this.adapter);
    if (!keyed) return lastValueFrom(next.handle(), { defaultValue: undefined });
    this.adapter.setHeader(response, this.options.headerName, keyed.key);
    const outcome = (value: IdempotencyOutcome) => setOutcome(request, value);

    // A completed key's answer cannot change before it expires: this process's copy needs no SQL.
    const known = this.completed.get(keyed.scope, keyed.key, keyed.fingerprint, this.clock.now());
    if (known) return this.replay(known, keyed, response, outcome);
    const existing = await this.guarded(outcome, () => this.store.find(keyed.scope, keyed.key));
    if (existing?.status === 'completed' && existing.expiresAt > this.clock.now()) {
      this.completed.add(existing);
      return this.replay(existing, keyed, response, outcome);
    }
    return this.execute(keyed, response, next, outcome);
  }

  /**
   * Claims the key and runs the handler in one transaction, re-running the whole unit after a
   * deadlock (it rolled back, so nothing of it exists), and waiting, bounded, for a holder to finish.
   */
  private async execute(keyed: KeyedRequest, response: unknown, next: CallHandler, outcome: Outcome) {
    const waitUntil = Date.now() + this.options.waitMs;
    for (let attempt = 1; ; attempt++) {
      let result: UnitResult;
      try {
        result = await this.store.inTransaction(() => this.claimAndRun(keyed, response, next));
      } catch (error) {
        const recovered = await this.recover(error, attempt, keyed, response, outcome);
        if (recovered === RETRY) continue;
        return recovered;
      }
      const answer = this.settle(result, keyed, response, outcome);
      if (answer !== undefined) return answer;
      // Held by an unfinished request: wait for it, bounded, then give up with 409.
      if (Date.now() >= waitUntil) {
        outcome('in_use');
        throw new IdempotencyKeyInUseError(this.retryAfterSeconds);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  /** What a unit of work that committed means for the client; `undefined` while the key is held. */
  private settle(result: UnitResult, keyed: KeyedRequest, response: unknown, outcome: Outcome): string | undefined {
    if (result.kind === 'executed') {
      // Committed: from here on every repeat of this key gets this answer.
      this.completed.add(result.record);
      outcome('executed');
      return this.responses.send(response, result.response);
    }
    if (result.kind === 'existing' && result.record.status === 'completed') {
      if (result.record.expiresAt > this.clock.now()) this.completed.add(result.record);
      return this.replay(result.record, keyed, response, outcome);
    }
    if (result.kind === 'existing' && result.record.status === 'minted') {
      outcome('reused');
      throw new IdempotencyKeyReusedError(
        `This key was minted for "${result.record.purpose}"; use it only there, or send a key of your own.`,
      );
    }
    return undefined;
  }

  /**
   * A unit of work that threw has rolled back. A decline is recorded on its own; a deadlock is
   * retried (unless another request finished the key meanwhile: its answer is ours); an unreachable
   * store is a 503; anything else surfaces unstored, so the same key may be retried.
   */
  private async recover(error: unknown, attempt: number, keyed: KeyedRequest, response: unknown, outcome: Outcome): Promise<string | typeof RETRY> {
    if (error instanceof Declined) return this.recordDecline(keyed, response, error.response, outcome);
    const cause = error instanceof Unstored ? error.error : error;
    const fault = this.store.classifyError(cause);
    if (fault === 'transient' && attempt <= this.options.maxTransientRetries) {
      const now = await this.guarded(outcome, () => this.store.find(keyed.scope, keyed.key));
      if (now?.status === 'completed' && now.expiresAt > this.clock.now()) return this.replay(now, keyed, response, outcome);
      return RETRY;
    }
    if (fault === 'unavailable' || cause instanceof LeaseLostError) {
      outcome('store_unavailable');
      throw new IdempotencyStoreUnavailableError(this.retryAfterSeconds, { cause });
    }
    outcome('released');
    throw cause;
  }

  private async claimAndRun(keyed: KeyedRequest, response: unknown, next: CallHandler): Promise<UnitResult> {
    const owner = randomUUID();
    const now = this.clock.now();
    const claim = await this.claim(keyed, owner, now);
    if (claim.outcome === 'busy') return { kind: 'busy' as const };
    if (claim.outcome === 'existing') return { kind: 'existing' as const, record: claim.record };

    const ran = await this.responses.capture(next, response);
    // Thrown, not returned, so that the transaction rolls back the claim and the handler's writes.
    if (ran instanceof Unstored || ran instanceof Declined) throw ran;
    await this.store.complete(keyed.scope, keyed.key, owner, ran.response, this.clock.now());
    // The record as the store now holds it (a claimed minted key keeps its creation time there;
    // only status, answer and expiry matter to a replay).
    const record: IdempotencyRecord = {
      scope: keyed.scope,
      key: keyed.key,
      status: 'completed',
      purpose: keyed.purpose,
      method: keyed.method,
      path: keyed.path,
      fingerprint: keyed.fingerprint,
      response: ran.response,
      leaseOwner: null,
      leaseExpiresAt: null,
      createdAt: now,
      expiresAt: this.expiresAt(keyed, now),
    };
    return { ...ran, record };
  }

  private expiresAt(keyed: KeyedRequest, now: Date): Date {
    return new Date(now.getTime() + keyed.ttlSeconds * 1000);
  }

  private claim(keyed: KeyedRequest, owner: string, now = this.clock.now()) {
    // Spelled out rather than spread from `keyed`: one fixed shape, built on every first execution.
    return this.store.claim({
      scope: keyed.scope,
      key: keyed.key,
      method: keyed.method,
      path: keyed.path,
      fingerprint: keyed.fingerprint,
      purpose: keyed.purpose,
      owner,
      now,
      leaseExpiresAt: new Date(now.getTime() + this.options.leaseMs),
      expiresAt: this.expiresAt(keyed, now),
    });
  }

  /**
   * A definite decline (402, 404, 422…) is recorded in a transaction of its own after the handler's
   * rolled back, so that a handler which wrote something before declining leaves nothing behind.
   * If another request took the key in between, its answer is the one every retry gets.
   */
  private async recordDecline(keyed: KeyedRequest, response: unknown, declined: StoredResponse, outcome: Outcome) {
    const claimed = await this.guarded(outcome, () =>
      this.store.inTransaction(async () => {
        const owner = randomUUID();
        const claim = await this.claim(keyed, owner);
        if (claim.outcome === 'claimed') await this.store.complete(keyed.scope, keyed.key, owner, declined, this.clock.now());
        return claim;
      }),
    );
    if (claimed.outcome === 'existing' && claimed.record.status === 'completed') {
      return this.replay(claimed.record, keyed, response, outcome);
    }
    if (claimed.outcome !== 'claimed') {
      outcome('in_use');
      throw new IdempotencyKeyInUseError(this.retryAfterSeconds);
    }
    outcome('executed');
    return this.responses.send(response, declined);
  }

  /** Store calls outside the unit of work: an unreachable store is a 503, never a silent pass. */
  private async guarded<T>(outcome: Outcome, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this.store.classifyError(error) === undefined) throw error;
      outcome('store_unavailable');
      throw new IdempotencyStoreUnavailableError(this.retryAfterSeconds, { cause: error });
    }
  }

  private get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.options.waitMs / 1000));
  }

  private replay(record: IdempotencyRecord, keyed: KeyedRequest, response: unknown, outcome: Outcome) {
    if (record.fingerprint !== keyed.fingerprint) {
      outcome('reused');
      const sameRoute = record.method === keyed.method && record.path === keyed.path;
      throw new IdempotencyKeyReusedError(
        sameRoute
          ? 'This key was already used with a different request body. Use a new key for a new request.'
          : `This key was already used for ${record.method} ${record.path}. Use a new key for a new request.`,
      );
    }
    outcome('replayed');
    this.adapter.setHeader(response, 'Idempotent-Replayed', 'true');
    return this.responses.send(response, record.response!);
  }

  private get adapter() {
    return this.adapterHost.httpAdapter;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
