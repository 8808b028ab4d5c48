import type { DatabaseErrorClassifier } from './idempotency-store';
import type { RetryPolicy } from './retry-policy';

/** What a response that the module renders or replays looks like. */
export interface RenderedResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
  /**
   * The handler reached a definite answer (a decline such as 402 insufficient funds): it is stored
   * and replayed under the key. `false` for everything a retry may change (validation, faults): the
   * key is released and the same key may be sent again.
   */
  stored: boolean;
}

/** Options of `IdempotencyModule.forRoot()` / `forRootAsync()`. */
export interface IdempotencyModuleOptions {
  /**
   * Resolves the owner of a request's keys (the authenticated client). Keys are unique per scope;
   * the same key from two scopes names two unrelated requests. Returning `undefined` on an
   * `@Idempotent()` route is a programming error (the route is not authenticated).
   */
  scope: (request: any) => string | undefined;
  /**
   * Turns an error thrown by a route handler into the response the client gets, saying whether it
   * is a definite decline to store and replay. Return `undefined` to let the error pass through
   * untouched (never stored). Default: Nest `HttpException`s as Nest sends them, 402, 404 and 422
   * stored.
   */
  renderError?: (error: unknown) => RenderedResponse | undefined;
  /**
   * Sorts the database driver's errors for `TypeOrmIdempotencyStore` (unique violation, lock wait
   * timeout, deadlock, lost connection). Required with that store.
   */
  classifyError?: DatabaseErrorClassifier;
  /**
   * Re-runs a unit of work (claim, handler, response) that lost a race with another one (deadlock,
   * lock wait timeout). Default: 3 retries, 10 ms doubling up to 200 ms, full jitter. Give the
   * application's own instance so that one setting governs every retry.
   */
  retryPolicy?: RetryPolicy;
  /** Set `false` to run every route without deduplication: for benchmarking and debugging only. */
  enabled?: boolean;
  /** Request header carrying the key. Default `Idempotency-Key`. */
  headerName?: string;
  /** Query-parameter fallback, or `false` for none. Default `idempotency_key`. */
  queryParameter?: string | false;
  /** How long a key and its response are kept. Default 86 400 (24 h). */
  ttlSeconds?: number;
  /**
   * How long a request may hold its key before its result is refused and rolled back. Default 60 000:
   * longer than any request should take, short enough that a stuck holder frees the key.
   */
  leaseMs?: number;
  /**
   * How long a duplicate waits for the in-flight original before a 409, whatever keeps the original
   * busy. The store bounds the claim's own lock wait by it; the handler's statements keep the
   * database's lock wait. Default 5 000; any whole number of milliseconds below `leaseMs`.
   */
  waitMs?: number;
  /** Response headers stored with the body and replayed. Default `content-type`, `location`. */
  storedHeaders?: string[];
  /** MySQL only: the schema (database on the same server) holding `idempotency_keys`. */
  schema?: string;
  /** Run the scheduled purge of expired keys. Default `true`. */
  purgeEnabled?: boolean;
  /** Rows deleted per purge statement, at most. Default 1 000. */
  purgeBatchSize?: number;
  /** Run the completer of multi-phase keys in this process. Default `false`. */
  completerEnabled?: boolean;
  /** How often the completer looks for abandoned multi-phase keys. Default 1 000. */
  completerIntervalMs?: number;
  /**
   * How long a multi-phase key must have been left alone (lease lapsed or let go) before the
   * completer takes it, so that a client retrying at once gets there first. Default 2 000.
   */
  completerGraceMs?: number;
  /** Longest pause between the completer's attempts at one key (doubling from 1 s). Default 60 000. */
  completerMaxBackoffMs?: number;
  /**
   * Called at the named points of a multi-phase run: `after_phase:<name>` once a phase committed,
   * `before_answer` once the final response is stored and not yet sent. For fault-injection tests.
   */
  checkpoint?: (point: string) => void;
  /**
   * Completed keys this process keeps in memory, so that a replay needs no SQL (the least recently
   * used go first; a key is dropped when it expires). `0` turns the cache off. Default 10 000.
   */
  replayCacheSize?: number;
}

export type ResolvedIdempotencyOptions = Required<Omit<IdempotencyModuleOptions, 'schema' | 'classifyError'>> &
  Pick<IdempotencyModuleOptions, 'schema' | 'classifyError'>;
