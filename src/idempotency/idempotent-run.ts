import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyStore, StoredResponse } from './idempotency-store';
import { KeyedRequest, claimRequest } from './keyed-request';
import type { RenderedResponse, ResolvedIdempotencyOptions } from './idempotency.options';

/** The response a multi-phase handler ends with: where it is stored is the run's to decide. */
export type PhaseResponse = Omit<RenderedResponse, 'stored'>;
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';
import { sleep } from './retry-policy';

/** One multi-phase request (or its resume) in progress in this process. */
export interface PhasedRun {
  scope: string;
  key: string;
  /** This attempt's lease token; `undefined` until the first phase claims the key. */
  owner?: string;
  /** What a first claim binds the key to; absent on a resume. */
  keyed?: KeyedRequest;
  /** Until when (epoch ms) the first claim may wait for another holder of the key. */
  deadline?: number;
  requestBody: string;
  /** What each committed phase returned, by name. */
  states: Record<string, unknown>;
  recoveryPoint: string | null;
  /** How the handler ended: its final answer was stored, or its outcome is not known yet. */
  ended?: { kind: 'finished' | 'pending'; response: StoredResponse };
}

/** The first phase found the key taken by a concurrent request; nothing was written. */
export class ClaimConflict {
  constructor(readonly busy: boolean) {}
}

export const phasedRuns = new AsyncLocalStorage<PhasedRun>();

/**
 * The handle a multi-phase route (`@Idempotent({ phases: true })`) moves through its phases with.
 * Inject it anywhere; it acts on the request being run in the current async context.
 *
 * The shape of such a handler:
 * ```ts
 * const { payoutId } = await run.phase('payout_created', () => createPendingPayout());  // transaction 1
 * const answer = await bank.send({ idempotencyKey: `payout:${payoutId}`, … });          // no transaction
 * if (answer.unknown) return run.pending({ status: 202, headers: {}, body: payout });     // key stays put
 * return run.finish(() => recordAnswer(payoutId, answer));                                // transaction 2
 * ```
 * A retry, or the completer, runs the same handler again: a phase that committed is not run a
 * second time, `phase()` returns what it returned then. So the work between phases (the foreign
 * call) must be safe to repeat: it carries an idempotency key of its own derived from a phase's
 * result, the same in every process. What a phase returns must be JSON.
 */
@Injectable()
export class IdempotentRun {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly clock: IdempotencyClock,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  /** The last phase that committed for this request, or `null` before the first. */
  get recoveryPoint(): string | null {
    return phasedRuns.getStore()?.recoveryPoint ?? null;
  }

  /**
   * Runs `work` in one transaction that also records the phase (the first phase claims the key in
   * it), or, when this phase committed on an earlier attempt, returns what it returned then.
   */
  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    const run = phasedRuns.getStore();
    if (!run) return this.undeduplicated(work);
    this.checkName(name);
    if (Object.prototype.hasOwnProperty.call(run.states, name)) return run.states[name] as T;
    const value = await this.transaction(run, async () => {
      const result = await work();
      const states = { ...run.states, [name]: result === undefined ? null : result };
      const now = this.clock.now();
      await this.store.advance({
        scope: run.scope,
        key: run.key,
        owner: run.owner!,
        recoveryPoint: name,
        resumeState: JSON.stringify(states),
        requestBody: run.recoveryPoint === null ? run.requestBody : undefined,
        now,
        leaseExpiresAt: new Date(now.getTime() + this.options.leaseMs),
      });
      return result;
    });
    run.states[name] = value === undefined ? null : value;
    run.recoveryPoint = name;
    this.options.checkpoint(`after_phase:${name}`);
    return value;
  }

  /**
   * The last phase: `work` records the outcome and returns the response; it is stored with the key
   * (recovery point `finished`) in the same transaction, and replayed to every later retry.
   */
  async finish(work: () => Promise<PhaseResponse>): Promise<unknown> {
    const run = phasedRuns.getStore();
    if (!run) return (await this.undeduplicated(work)).body;
    const rendered = await this.transaction(run, async () => {
      const response = await work();
      await this.store.finish(run.scope, run.key, run.owner!, stored(response), this.clock.now());
      return response;
    });
    run.ended = { kind: 'finished', response: stored(rendered) };
    run.recoveryPoint = 'finished';
    return rendered.body;
  }

  /**
   * The outcome of the foreign step is not known (timeout, 5xx, reset): answer `response` without
   * storing it, and let go of the lease so that a retry or the completer may resume at once.
   */
  async pending(response: PhaseResponse): Promise<unknown> {
    const run = phasedRuns.getStore();
    if (!run) return response.body;
    if (run.owner) {
      const owner = run.owner;
      // Best effort: if this fails, the lease lapses by itself.
      await this.store.inTransaction(() => this.store.release(run.scope, run.key, owner, this.clock.now())).catch(() => undefined);
    }
    run.ended = { kind: 'pending', response: stored(response) };
    return response.body;
  }

  /**
   * A phase's transaction; the first one claims the key in it. A transaction that lost a race
   * (deadlock) rolled back whole, so it is run again as the module's retry policy allows.
   */
  private async transaction<T>(run: PhasedRun, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let retry = 1; ; retry++) {
      const claimedHere = !run.owner;
      try {
        return await this.store.inTransaction(async () => {
          if (claimedHere) await this.claim(run);
          return work();
        });
      } catch (error) {
        if (claimedHere) run.owner = undefined; // the claim rolled back with the phase
        const transient = this.store.classifyError(error) === 'transient';
        const delay = transient ? this.options.retryPolicy.delayBefore(retry, Date.now() - started) : undefined;
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }

  private async claim(run: PhasedRun): Promise<void> {
    const keyed = run.keyed!;
    const owner = randomUUID();
    const claim = await this.store.claim(claimRequest(keyed, owner, this.clock.now(), this.options.leaseMs, run.deadline ?? Date.now()));
    if (claim.outcome !== 'claimed') throw new ClaimConflict(claim.outcome === 'busy');
    run.owner = owner;
  }

  /**
   * Outside a multi-phase request (the module runs with `enabled: false`, for benchmarking and
   * debugging only): each phase is still one transaction, but nothing is deduplicated or resumed.
   */
  private undeduplicated<T>(work: () => Promise<T>): Promise<T> {
    return this.store.inTransaction(work);
  }

  private checkName(name: string): void {
    if (name === 'finished' || name === 'started') throw new Error(`IdempotentRun: "${name}" is a reserved recovery point name.`);
  }
}

function stored(response: PhaseResponse): StoredResponse {
  return {
    status: response.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...response.headers },
    body: response.body === undefined ? '' : JSON.stringify(response.body),
  };
}
