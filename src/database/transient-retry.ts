import { RetryPolicy } from '../idempotency';

/**
 * The application's one policy for re-running a unit of work that lost a race (deadlock, lock wait
 * timeout, a cluster's certification conflict): `DB_TRANSIENT_RETRIES` retries, the first after up
 * to 10 ms, doubling up to 200 ms, each drawn at random below its ceiling (full jitter) so that
 * the transactions that collided do not collide again. Shared by `UnitOfWork` and the idempotency
 * layer, which re-runs the units it opens around keyed requests.
 */
export function transientRetryPolicy(retries: number): RetryPolicy {
  return new RetryPolicy({ retries, baseDelayMs: 10, maxDelayMs: 200 });
}
