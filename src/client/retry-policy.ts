/**
 * When a call is tried again and how long the client waits first.
 *
 * Retrying a POST is safe here because every attempt carries the same `Idempotency-Key`: the server
 * runs the request at most once and answers every repeat with the stored result. What is retried is
 * what may have a different answer next time: no answer at all, a key still held by an attempt in
 * flight, rate limiting, and server faults (5xx never store a result; their transaction rolled back).
 * A 4xx decision (validation, decline, not found, key reused…) is final: retrying cannot change it.
 */

/** The result of one attempt, as far as the retry decision is concerned. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; code?: string; retryAfterMs?: number }
  | { kind: 'network'; timedOut: boolean };

export interface RetryPolicyOptions {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/** A `Retry-After` longer than this is not waited for: the call fails instead of hanging. */
export const MAX_RETRY_AFTER_MS = 60_000;

export const DEFAULT_RETRY_OPTIONS: RetryPolicyOptions = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 5_000 };

export class RetryPolicy {
  readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: Partial<RetryPolicyOptions> = {}) {
    const merged = { ...DEFAULT_RETRY_OPTIONS, ...withoutUndefined(options) };
    for (const name of ['maxRetries', 'baseDelayMs', 'maxDelayMs'] as const) {
      if (!Number.isInteger(merged[name]) || merged[name] < 0) {
        throw new RangeError(`PaymentsClient: ${name} must be a whole number ≥ 0; got ${merged[name]}.`);
      }
    }
    this.maxRetries = merged.maxRetries;
    this.baseDelayMs = merged.baseDelayMs;
    this.maxDelayMs = merged.maxDelayMs;
    this.random = merged.random ?? Math.random;
  }

  /** Whether an outcome of this kind may be retried at all. */
  static isRetryable(outcome: AttemptOutcome): boolean {
    if (outcome.kind === 'network') return true;
    const { status, code } = outcome;
    if (status === 409) return code === 'idempotency_key_in_use';
    return status === 429 || status >= 500;
  }

  /**
   * The wait before retry number `retry` (1 for the first retry), or `undefined` when the call must
   * stop: not retryable, retries used up (`maxRetries` of this call), or a `Retry-After` too long.
   */
  nextDelayMs(outcome: AttemptOutcome, retry: number, maxRetries = this.maxRetries): number | undefined {
    if (retry > maxRetries || !RetryPolicy.isRetryable(outcome)) return undefined;
    const retryAfterMs = outcome.kind === 'response' ? outcome.retryAfterMs : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) return undefined;
    return this.delayMs(retry, retryAfterMs);
  }

  /**
   * Exponential backoff with full jitter (uniform in [0, min(cap, base·2^(retry−1)))), so that many
   * clients failing together do not retry together; never shorter than the server's `Retry-After`.
   */
  delayMs(retry: number, retryAfterMs?: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, retry - 1));
    const jittered = Math.floor(this.random() * ceiling);
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}

/** `Retry-After` in whole seconds (the form this API sends) as milliseconds; anything else is ignored. */
export function parseRetryAfterMs(header: string | null | undefined): number | undefined {
  if (header == null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header.trim()) * 1000;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
