import { RetryPolicy } from '../idempotency';

/**
 * The application's one policy for re-running a unit of work that lost a race (deadlock, lock wait
 * timeout, a Galera cluster's certification conflict): up to `DB_TRANSIENT_RETRIES` retries, the
 * first after up to 10 ms, doubling up to 1 s, each drawn at random below its ceiling (full
 * jitter) so that the transactions that collided do not collide again, and none started more than
 * `TRANSIENT_RETRY_BUDGET_MS` after the first attempt. Shared by `UnitOfWork` and the idempotency layer, which
 * re-runs the units it opens around keyed requests.
 *
 * Why these numbers: on one server a deadlock is rare and one quick retry settles it. On a
 * multi-primary cluster, writes to the same rows from several nodes fail certification at COMMIT,
 * often several times in a row for a hot account, and each attempt takes longer while the nodes
 * are busy; the cluster suite (hot accounts written from three nodes at once) needed retries
 * spread over several seconds: the budget, not the count, is what ends a losing streak there (12
 * retries take ~3 s on average, and a few transfers in 2,000 still lost 13 times in a row). The
 * budget keeps the worst case inside a client's usual 30 s timeout and well inside the key's lease.
 */
export const TRANSIENT_RETRY_BUDGET_MS = 10_000;

export function transientRetryPolicy(retries: number): RetryPolicy {
  return new RetryPolicy({ retries, baseDelayMs: 10, maxDelayMs: 1_000, budgetMs: TRANSIENT_RETRY_BUDGET_MS });
}
