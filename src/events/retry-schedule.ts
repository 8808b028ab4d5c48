/**
 * Delay before the next attempt after `attempts` failed ones: `base × 2^(attempts−1)`, capped, with
 * jitter over its upper half (so the first retry comes within `base`, and receivers that failed
 * together are not all retried at the same instant).
 */
export function retryDelayMs(attempts: number, schedule: { retryBaseMs: number; retryCapMs: number }, random: () => number = Math.random): number {
  const exponential = Math.min(schedule.retryCapMs, schedule.retryBaseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
