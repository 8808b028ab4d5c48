/**
 * How big a reliability run is. The defaults keep `npm run test:reliability` to a few minutes in
 * CI; `RELIABILITY_SCALE=10` multiplies every size (and the time allowed), and one size can be set
 * on its own, e.g. `RELIABILITY_TRANSFERS=5000`. `RELIABILITY_SEED` replays a randomized run.
 */

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number; got "${raw}"`);
  return value;
}

/** The multiplier of every size below (1 by default). */
export const SCALE = positiveNumber('RELIABILITY_SCALE', 1);

/** The seed of every random choice of the run: printed in each summary, set it to replay one. */
export const SEED = Math.floor(positiveNumber('RELIABILITY_SEED', 1 + Math.floor(Math.random() * 2 ** 31)));

/** `RELIABILITY_<NAME>` when set, else `base` × `RELIABILITY_SCALE`. */
export function sized(name: string, base: number): number {
  return Math.max(1, Math.round(positiveNumber(`RELIABILITY_${name}`, base * SCALE)));
}

/** A test timeout that grows with the run: `baseMs` at scale 1, proportionally more above. */
export function timeoutFor(baseMs: number, size = 1, baseSize = 1): number {
  return Math.ceil(baseMs * Math.max(1, SCALE, size / baseSize));
}

export const sizes = {
  /** Concurrent identical requests with one key (suite 1)… */
  duplicates: sized('DUPLICATES', 200),
  /** …for this many keys, one after the other, each burst in the middle of the stream (suite 1). */
  duplicateRounds: sized('DUPLICATE_ROUNDS', 3),
  /** Distinct transfers streamed in both directions meanwhile (suite 1). */
  stream: sized('STREAM', 800),
  /** Transfers by retrying clients while servers are SIGKILLed (suite 2). */
  transfers: sized('TRANSFERS', 1200),
  /** …then partial reversals of acknowledged ones, still under fire (suite 2). */
  reversals: sized('REVERSALS', 300),
  /** Database outages mid-load (suite 3). */
  outages: sized('OUTAGES', 8),
  /** Transfers sent across those outages (suite 3). */
  outageTransfers: sized('OUTAGE_TRANSFERS', 800),
  /** Property-based bad-input cases (suite 4); each is sent to both HTTP adapters. */
  fuzzCases: sized('FUZZ_CASES', 2000),
  /** Deposits and transfers whose events must reach a webhook receiver while processes are SIGKILLed. */
  webhookEvents: sized('WEBHOOK_EVENTS', 520),
};

/**
 * Requests the harness has in flight at once, across everything it sends concurrently, whatever
 * the scale: bursts of duplicates (several may overlap with each other) and the final "ask every
 * key once more" take turns for these slots, never all at once. Thousands of sockets opened
 * together end in ECONNRESET or connect timeouts on the client's side, which proves nothing about
 * the server. Large enough that duplicates still pile up on one key row.
 */
export const MAX_IN_FLIGHT = Math.round(positiveNumber('RELIABILITY_MAX_IN_FLIGHT', 200));

let inFlight = 0;
const waiting: Array<() => void> = [];

/** Runs `work` in one of the `MAX_IN_FLIGHT` slots, waiting (first come, first served) for one. */
async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

/** `work` on every item, each in a shared in-flight slot; the answers in the items' order. */
export function mapBounded<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return Promise.all(items.map((item, i) => inSlot(() => work(item, i))));
}
