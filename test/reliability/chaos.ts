import { PaymentsApiError, PaymentsClient, RetryPolicy } from '../../src/client';
import { seededRandom } from '../support/payments-api';
import { Fleet, sleep, Tally } from './fleet';

/** What a logical call finally got: a success, a final 4xx, or nothing definite before its deadline. */
export type Outcome =
  | { kind: 'acknowledged'; id: string; replayed: boolean }
  | { kind: 'declined'; status: number; code: string }
  | { kind: 'gave_up'; error: string };

/** A logical call still without a definite answer after this long is a failure of the run. */
const CALL_DEADLINE_MS = 120_000;

/**
 * The project's retrying client (the same key on every attempt), each attempt sent to either
 * process of the fleet, up or not: a dead one refuses and the client retries. Counts every attempt's
 * answer, every network fault by kind, and every logical call.
 */
export class ChaosClient {
  readonly attempts = new Tally();
  readonly faults = new Tally();
  calls = 0;
  readonly api: PaymentsClient;

  constructor(private readonly fleet: Fleet) {
    this.api = new PaymentsClient({
      apiKey: fleet.apiKey,
      baseUrl: 'http://fleet',
      maxRetries: 8,
      baseDelayMs: 20,
      maxDelayMs: 400,
      timeoutMs: 20_000,
      fetch: (url, init) =>
        fetch(String(url).replace('http://fleet', fleet.url(Math.random() < 0.5 ? 0 : 1)), init).catch((error) => {
          this.faults.add(networkFault(error));
          throw error;
        }),
      onAttempt: (event) => this.attempts.add(event.status ?? (event.timedOut ? 'timeout' : 'network')),
    });
  }

  /** Calls again, with the same key, until the answer is definite: a success or a final 4xx. */
  async untilDefinite(send: () => Promise<{ id: string; lastResponse: { replayed: boolean } }>): Promise<Outcome> {
    const deadline = Date.now() + CALL_DEADLINE_MS;
    for (;;) {
      this.calls++;
      try {
        const made = await send();
        return { kind: 'acknowledged', id: made.id, replayed: made.lastResponse.replayed };
      } catch (error) {
        if (error instanceof PaymentsApiError && !RetryPolicy.isRetryable({ kind: 'response', status: error.status, code: error.code })) {
          return { kind: 'declined', status: error.status, code: error.code };
        }
        if (Date.now() > deadline || this.fleet.closed) return { kind: 'gave_up', error: String(error) };
      }
    }
  }
}

/**
 * One loop per process: wait a random moment, SIGKILL it (whatever it is doing), start it again on
 * the same port. Both may be down at once. `stop()` ends the loops with every process up.
 */
export function unleashChaos(fleet: Fleet, seed: number, pauseMs: [number, number] = [200, 1_500]): { stop(): Promise<void> } {
  let running = true;
  const loop = async (slot: number) => {
    const chance = seededRandom(seed + slot + 1);
    while (running && !fleet.closed) {
      await sleep(chance.int(...pauseMs));
      if (!running) break;
      await fleet.kill(slot);
      await sleep(chance.int(0, 400));
      await fleet.restart(slot);
    }
  };
  const loops = Array.from({ length: fleet.size }, (_, slot) => loop(slot));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Runs `work` on every item, `concurrency` at a time, until done or the fleet is closed. With
 * `minKills`, the items are held back until the chaos has killed as many processes as the share of
 * items already started calls for (one more for every `1 / (minKills + 1)` of them): on a fast
 * machine the whole load could otherwise finish between two kills, and prove nothing about crashes.
 */
export async function inParallel<T>(
  items: T[],
  concurrency: number,
  fleet: Fleet,
  work: (item: T) => Promise<void>,
  options: { minKills?: number } = {},
): Promise<void> {
  const minKills = options.minKills ?? 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length && !fleet.closed) {
        const due = Math.min(minKills, Math.floor((next / items.length) * (minKills + 1)));
        while (fleet.kills < due && !fleet.closed) await sleep(50);
        if (next >= items.length) break;
        await work(items[next++]);
      }
    }),
  );
}

/** A refused connection (the process was down) or one cut with the request in flight (killed mid-way). */
function networkFault(error: unknown): string {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.cause, depth++) {
    if (e.code === 'ECONNREFUSED') return 'refused';
  }
  return 'cut in flight';
}
