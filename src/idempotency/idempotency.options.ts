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
  /**
   * Completed keys this process keeps in memory, so that a replay needs no SQL (the least recently
   * used go first; a key is dropped when it expires). `0` turns the cache off. Default 10 000.
   */
  replayCacheSize?: number;
}

export type ResolvedIdempotencyOptions = Required<Omit<IdempotencyModuleOptions, 'schema'>> &
  Pick<IdempotencyModuleOptions, 'schema'>;
