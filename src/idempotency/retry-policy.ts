/** Settings of a `RetryPolicy`. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt, at most. */
  retries: number;
  /** Upper bound of the first retry's delay; it doubles with every further retry, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Time from the first attempt after which no retry starts, however many are left: the budget
   * that keeps a retrying request inside its caller's patience. Default: none.
   */
  budgetMs?: number;
}

/**
 * When to re-run a unit of work that lost a race with another one (a deadlock, a lock wait timeout,
 * a certification conflict of a database cluster): it rolled back, so running it again is safe.
 * Exponential backoff with full jitter, so that the transactions that collided do not collide
 * again at the same instant; a number of retries and an optional time budget bound the whole.
 *
 * One instance serves everything that retries such faults (the idempotency layer's units of work
 * and the application's own), so that there is one setting, in one place.
 */
export class RetryPolicy {
  constructor(
    readonly options: RetryPolicyOptions,
    private readonly random: () => number = Math.random,
  ) {
    for (const name of ['retries', 'baseDelayMs', 'maxDelayMs'] as const) {
      if (!Number.isSafeInteger(options[name]) || options[name] < 0) {
        throw new Error(`RetryPolicy: ${name} must be a whole number, 0 or more; got ${options[name]}.`);
      }
    }
  }

  /**
   * The delay before retry number `retry` (1 for the first), or `undefined` when the policy allows
   * no more: the retries are spent, or the delay would end past the budget.
   */
  delayBefore(retry: number, elapsedMs = 0): number | undefined {
    if (retry > this.options.retries) return undefined;
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (retry - 1));
    const delay = Math.round(this.random() * ceiling);
    const { budgetMs } = this.options;
    if (budgetMs !== undefined && elapsedMs + delay > budgetMs) return undefined;
    return delay;
  }

  /**
   * Runs `attempt` until it succeeds or throws an error that `retryable` refuses or that comes after
   * the policy is spent; that error is thrown.
   */
  async run<T>(attempt: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> {
    const started = Date.now();
    for (let retry = 1; ; retry++) {
      try {
        return await attempt();
      } catch (error) {
        const delay = retryable(error) ? this.delayBefore(retry, Date.now() - started) : undefined;
        if (delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
