import { randomUUID } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { from, lastValueFrom, Observable } from 'rxjs';
import { CompletedKeysCache } from './completed-keys.cache';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotentMetadata, IdempotentOptions } from './idempotent.decorator';
import { KeyedRequest, claimRequest, expiresAt, readKeyedRequest } from './keyed-request';
import { Declined, ResponseCapture, Unstored } from './response-capture';
import { ClaimResult, IdempotencyRecord, IdempotencyStore, isReplayable, isUnfinishedPhased, StoredResponse } from './idempotency-store';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, IdempotencyStoreUnavailableError, LeaseLostError } from './idempotency.errors';
import { PhasedExecution, PhasedResult } from './phased-execution';
import { IdempotencyOutcome, IdempotencyRequest, setOutcome } from './idempotency-outcome';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { sleep } from './retry-policy';

const DEDUPLICATED_METHODS = new Set(['POST', 'PATCH']);
/** Mean pause between two looks at a key another request holds; jittered so waiters spread out. */
const POLL_INTERVAL_MS = 50;

type Outcome = (outcome: IdempotencyOutcome) => void;
type UnitResult =
  { kind: 'executed'; response: StoredResponse; record: IdempotencyRecord } | { kind: 'existing'; record: IdempotencyRecord } | { kind: 'busy' };

/**
 * Runs `@Idempotent()` routes exactly once per (client, key).
 *
 * A first request claims its key, runs the handler and records the response in one transaction, so
 * a crash at any point leaves either everything or nothing. A repeat replays the record; a repeat
 * arriving while the first still runs waits for it, never longer than `waitMs` in all (the claim's
 * lock wait is bounded by what is left of it, then it looks again until the deadline), and replays,
 * or gets 409.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');
  private readonly responses: ResponseCapture;

  constructor(
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    private readonly clock: IdempotencyClock,
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
    private readonly phased: PhasedExecution,
    private readonly completed: CompletedKeysCache,
  ) {
    this.responses = new ResponseCapture(() => this.adapterHost.httpAdapter, options);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const route = this.reflector.getAllAndOverride(IdempotentMetadata, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<IdempotencyRequest>();
    if (!route || !this.options.enabled || !DEDUPLICATED_METHODS.has(request.method)) {
      return next.handle();
    }
    return from(this.handle(request, context.switchToHttp().getResponse(), route, next));
  }

  private async handle(request: IdempotencyRequest, response: unknown, route: IdempotentOptions, next: CallHandler) {
    // A multi-phase route cannot run without a key: its resume and its completer need one.
    const keyed = readKeyedRequest(request, route.phases ? { ...route, required: true } : route, this.options, this.adapter);
    if (!keyed) return lastValueFrom(next.handle(), { defaultValue: undefined });
    this.adapter.setHeader(response, this.options.headerName, keyed.key);
    const outcome = (value: IdempotencyOutcome) => setOutcome(request, value);

    // A completed key's answer cannot change before it expires: this process's copy needs no SQL.
    const known = this.completed.get(keyed.scope, keyed.key, keyed.fingerprint, this.clock.now());
    if (known) return this.replay(known, keyed, response, outcome);
    if (route.phases) return this.executePhased(keyed, request.body, response, next, outcome);
    const existing = await this.guarded(outcome, () => this.store.find(keyed.scope, keyed.key));
    if (existing && isReplayable(existing, this.clock.now())) {
      this.completed.add(existing);
      return this.replay(existing, keyed, response, outcome);
    }
    return this.execute(keyed, response, next, outcome);
  }

  /**
   * A multi-phase route (idempotency.md §7): replay a finished key; resume one left at a recovery
   * point once its lease is ours; otherwise run it as new (its first phase claims the key). While
   * another request or the completer holds the lease, wait for it until the deadline, then 409.
   */
  private async executePhased(keyed: KeyedRequest, body: unknown, response: unknown, next: CallHandler, outcome: Outcome) {
    const deadline = Date.now() + this.options.waitMs;
    const handler = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    for (;;) {
      const record = await this.guarded(outcome, () => this.store.find(keyed.scope, keyed.key));
      if (record && isReplayable(record, this.clock.now())) return this.replay(record, keyed, response, outcome);
      const result = await this.attemptPhased(record, keyed, body, handler, deadline, outcome);
      if (result?.kind === 'declined') return this.recordDecline(keyed, response, result.response, outcome);
      if (result && result.kind !== 'conflict') {
        outcome(result.kind === 'pending' ? 'pending' : 'executed');
        return this.responses.send(response, result.response);
      }
      if (record?.status === 'minted' && record.expiresAt > this.clock.now()) {
        const answer = this.settle({ kind: 'existing', record }, keyed, response, outcome);
        if (answer !== undefined) return answer;
      }
      await this.waitForHolder(deadline, outcome);
    }
  }

  /** One attempt: resume the key if its lease can be had, or start it; `undefined` while it is held. */
  private async attemptPhased(
    record: IdempotencyRecord | null,
    keyed: KeyedRequest,
    body: unknown,
    handler: () => Promise<unknown>,
    deadline: number,
    outcome: Outcome,
  ): Promise<PhasedResult | undefined> {
    if (record && isUnfinishedPhased(record) && record.fingerprint !== keyed.fingerprint) {
      this.replay(record, keyed, {}, outcome); // throws 422: the key names another request
    }
    try {
      if (record && isUnfinishedPhased(record)) {
        const owner = randomUUID();
        const now = this.clock.now();
        const leaseExpiresAt = new Date(now.getTime() + this.options.leaseMs);
        if (await this.store.inTransaction(() => this.store.acquire(keyed.scope, keyed.key, owner, now, leaseExpiresAt))) {
          // Read again now that the lease is ours: a holder may have committed a phase since `find`.
          const current = await this.store.find(keyed.scope, keyed.key);
          return await this.phased.resume(current!, owner, handler);
        }
        return undefined;
      }
      return await this.phased.start(keyed, body, handler, deadline);
    } catch (error) {
      // Deadlocks were already re-run by the phase as the retry policy allows: what is left surfaces.
      if (error instanceof LeaseLostError) {
        outcome('lease_lost');
        this.logger.warn(`idempotency lease lost: a phase committed after leaseMs (${this.options.leaseMs} ms); it was rolled back`);
        throw error;
      }
      if (this.store.classifyError(error) !== undefined) {
        outcome('store_unavailable');
        throw new IdempotencyStoreUnavailableError(this.retryAfterSeconds, { cause: error });
      }
      outcome('released');
      throw error;
    }
  }

  /**
   * Claims the key and runs the handler in one transaction. A unit that lost a race (deadlock) rolled
   * back, so nothing of it exists: it is run again as the retry policy allows. A key held by another
   * unfinished request is waited for until the deadline, then 409.
   */
  private async execute(keyed: KeyedRequest, response: unknown, next: CallHandler, outcome: Outcome) {
    const deadline = Date.now() + this.options.waitMs;
    const started = Date.now();
    for (let retry = 1; ;) {
      let result: UnitResult;
      try {
        result = await this.store.inTransaction(() => this.claimAndRun(keyed, response, next, deadline));
      } catch (error) {
        if (error instanceof Declined) return this.recordDecline(keyed, response, error.response, outcome);
        const cause = error instanceof Unstored ? error.error : error;
        await this.pauseBeforeRetry(cause, retry++, started, outcome);
        continue;
      }
      const answer = this.settle(result, keyed, response, outcome);
      if (answer !== undefined) return answer;
      await this.waitForHolder(deadline, outcome);
    }
  }

  private async claimAndRun(keyed: KeyedRequest, response: unknown, next: CallHandler, deadline: number): Promise<UnitResult> {
    const owner = randomUUID();
    const now = this.clock.now();
    const claim = await this.claim(keyed, owner, deadline, now);
    if (claim.outcome !== 'claimed') return heldBy(claim);

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
      expiresAt: expiresAt(keyed, now),
    };
    return { ...ran, record };
  }

  /**
   * A definite decline (402, 404, 422…) is recorded in a transaction of its own after the handler's
   * rolled back, so that a handler which wrote something before declining leaves nothing behind.
   * If another request took the key in between (a duplicate that ran the same handler and reached
   * the same decline), its answer is the one every retry gets: we wait for it as a duplicate would.
   */
  private async recordDecline(keyed: KeyedRequest, response: unknown, declined: StoredResponse, outcome: Outcome) {
    const deadline = Date.now() + this.options.waitMs;
    const started = Date.now();
    for (let retry = 1; ;) {
      let claim: ClaimResult;
      try {
        claim = await this.store.inTransaction(async () => {
          const owner = randomUUID();
          const result = await this.claim(keyed, owner, deadline);
          if (result.outcome === 'claimed') await this.store.complete(keyed.scope, keyed.key, owner, declined, this.clock.now());
          return result;
        });
      } catch (error) {
        await this.pauseBeforeRetry(error, retry++, started, outcome);
        continue;
      }
      if (claim.outcome === 'claimed') {
        outcome('executed');
        return this.responses.send(response, declined);
      }
      const answer = this.settle(heldBy(claim), keyed, response, outcome);
      if (answer !== undefined) return answer;
      await this.waitForHolder(deadline, outcome);
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
    if (result.kind === 'existing' && isReplayable(result.record, this.clock.now())) {
      this.completed.add(result.record);
      return this.replay(result.record, keyed, response, outcome);
    }
    if (result.kind === 'existing' && result.record.status === 'minted') {
      outcome('reused');
      throw new IdempotencyKeyReusedError(`This key was minted for "${result.record.purpose}"; use it only there, or send a key of your own.`);
    }
    return undefined;
  }

  private claim(keyed: KeyedRequest, owner: string, deadline: number, now = this.clock.now()) {
    return this.store.claim(claimRequest(keyed, owner, now, this.options.leaseMs, deadline));
  }

  /** Another request holds the key: look again shortly, or answer 409 once the wait is over. */
  private async waitForHolder(deadline: number, outcome: Outcome): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) {
      outcome('in_use');
      throw new IdempotencyKeyInUseError(this.retryAfterSeconds);
    }
    await sleep(Math.min(left, POLL_INTERVAL_MS / 2 + Math.random() * POLL_INTERVAL_MS));
  }

  /**
   * A unit of work threw and rolled back. A transient fault (it lost a race) is paused on and run
   * again as the retry policy allows; anything else, or a fault the policy gives up on, surfaces:
   * a lost lease as its own error, an unreachable store as a 503, the rest untouched (unstored).
   */
  private async pauseBeforeRetry(error: unknown, retry: number, started: number, outcome: Outcome): Promise<void> {
    const fault = this.store.classifyError(error);
    const delay = fault === 'transient' ? this.options.retryPolicy.delayBefore(retry, Date.now() - started) : undefined;
    if (delay !== undefined) return sleep(delay);
    if (error instanceof LeaseLostError) {
      outcome('lease_lost');
      this.logger.warn(`idempotency lease lost: the request ran longer than leaseMs (${this.options.leaseMs} ms); nothing of it was kept`);
      throw error;
    }
    if (fault === 'unavailable') {
      outcome('store_unavailable');
      throw new IdempotencyStoreUnavailableError(this.retryAfterSeconds, { cause: error });
    }
    outcome('released');
    throw error;
  }

  /** Store calls outside the unit of work: an unreachable store is a 503, never a silent pass. */
  private async guarded<T>(outcome: Outcome, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (this.store.classifyError(error) !== 'unavailable') throw error;
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

/** A claim that did not take the key, as the result of a unit of work. */
function heldBy(claim: Exclude<ClaimResult, { outcome: 'claimed' }>): UnitResult {
  return claim.outcome === 'busy' ? { kind: 'busy' } : { kind: 'existing', record: claim.record };
}
