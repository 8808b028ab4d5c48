import { Inject, Injectable } from '@nestjs/common';
import { IdempotencyClock } from './idempotency-clock';
import { ClaimConflict, PhasedRun, phasedRuns } from './idempotent-run';
import { IdempotencyRecord, IdempotencyStore, StoredResponse } from './idempotency-store';
import type { KeyedRequest } from './keyed-request';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

/** How one attempt at a multi-phase request ended. */
export type PhasedResult =
  /** The final answer is stored (`finished`), or the outcome is unknown and the key waits (`pending`). */
  | { kind: 'finished' | 'pending'; response: StoredResponse }
  /** A definite decline before anything committed: the caller records it as a single-phase answer. */
  | { kind: 'declined'; response: StoredResponse }
  /** Another request claimed the key first; nothing was written. */
  | { kind: 'conflict'; busy: boolean };

/**
 * Runs the handler of a multi-phase route inside its `IdempotentRun` context, for a first request
 * (the first phase claims the key) or a resume (the caller holds the lease already). Shared by the
 * interceptor (client requests and retries) and the completer, so both finish a key the same way.
 */
@Injectable()
export class PhasedExecution {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly clock: IdempotencyClock,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  /**
   * A first request: nothing is stored for the key yet; its first phase claims it, waiting for a
   * holder of the key until `deadline` (epoch ms) at most, `waitMs` from now by default.
   */
  start(keyed: KeyedRequest, body: unknown, handler: () => Promise<unknown>, deadline = Date.now() + this.options.waitMs): Promise<PhasedResult> {
    const run: PhasedRun = {
      scope: keyed.scope,
      key: keyed.key,
      keyed,
      deadline,
      requestBody: JSON.stringify(body ?? null),
      states: {},
      recoveryPoint: null,
    };
    return this.execute(run, handler);
  }

  /** A resume: `owner` has just acquired the lease of `record`, read after acquiring it. */
  resume(record: IdempotencyRecord, owner: string, handler: () => Promise<unknown>): Promise<PhasedResult> {
    const run: PhasedRun = {
      scope: record.scope,
      key: record.key,
      owner,
      requestBody: record.requestBody ?? 'null',
      states: record.resumeState ? (JSON.parse(record.resumeState) as Record<string, unknown>) : {},
      recoveryPoint: record.recoveryPoint ?? null,
    };
    return this.execute(run, handler);
  }

  private async execute(run: PhasedRun, handler: () => Promise<unknown>): Promise<PhasedResult> {
    try {
      await phasedRuns.run(run, handler);
    } catch (error) {
      if (error instanceof ClaimConflict) return { kind: 'conflict', busy: error.busy };
      return this.failed(run, error);
    }
    if (!run.ended) {
      await this.letGo(run);
      throw new Error('IdempotentRun: a multi-phase handler must end with run.finish() or run.pending().');
    }
    if (run.ended.kind === 'finished') this.options.checkpoint('before_answer');
    return run.ended;
  }

  /**
   * The handler threw. A definite decline is the request's answer: before any phase committed it
   * is recorded like a single-transaction decline; after one, it finishes the key. Anything else
   * leaves the key at its recovery point, lease let go, and surfaces unstored.
   */
  private async failed(run: PhasedRun, error: unknown): Promise<PhasedResult> {
    const rendered = this.options.renderError(error);
    if (!rendered?.stored) {
      await this.letGo(run);
      throw error;
    }
    const response: StoredResponse = { status: rendered.status, headers: rendered.headers, body: JSON.stringify(rendered.body) };
    if (!run.owner) return { kind: 'declined', response };
    const owner = run.owner;
    await this.store.inTransaction(() => this.store.finish(run.scope, run.key, owner, response, this.clock.now()));
    this.options.checkpoint('before_answer');
    return { kind: 'finished', response };
  }

  private async letGo(run: PhasedRun): Promise<void> {
    if (!run.owner) return;
    const owner = run.owner;
    await this.store.inTransaction(() => this.store.release(run.scope, run.key, owner, this.clock.now())).catch(() => undefined);
  }
}
