/** What a response that the module renders or replays looks like. */
export interface RenderedResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
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
   * Turns an error thrown by a route handler into the response the client gets, so that definite
   * declines (402, 404, 422…) can be stored and replayed. Return `undefined` to let the error pass
   * through untouched (never stored). Default: Nest `HttpException`s, as Nest would send them.
   */
  renderError?: (error: unknown) => RenderedResponse | undefined;
  /** Which response statuses are stored and replayed. Default: 2xx, 402, 404, 422. */
  isStoredStatus?: (status: number) => boolean;
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
  /** How long a duplicate waits for the in-flight original before a 409. Default 5 000. */
  waitMs?: number;
  /** Response headers stored with the body and replayed. Default `content-type`, `location`. */
  storedHeaders?: string[];
  /** Times a unit of work is re-run after a deadlock before the error surfaces. Default 3. */
  maxTransientRetries?: number;
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
}

export type ResolvedIdempotencyOptions = Required<Omit<IdempotencyModuleOptions, 'schema'>> &
  Pick<IdempotencyModuleOptions, 'schema'>;
