/**
 * Errors of the idempotency layer. They are values independent of HTTP; the application's
 * exception filter maps them to responses (see `IdempotencyError.status` and `code`).
 */
export abstract class IdempotencyError extends Error {
  abstract readonly code: string;
  /** The HTTP status this outcome conventionally maps to. */
  abstract readonly status: number;
  /** Seconds after which a retry may succeed, when one may. */
  readonly retryAfterSeconds?: number;
  /** The request field at fault, for validation-like errors. */
  readonly param?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The route requires a key and none was sent. */
export class IdempotencyKeyMissingError extends IdempotencyError {
  readonly code = 'idempotency_key_missing';
  readonly status = 400;
  constructor(readonly param: string) {
    super(`This endpoint requires an ${param} header: send a unique key and reuse it on every retry.`);
  }
}

/** The key is not 1–255 printable ASCII characters, or header and query disagree. */
export class IdempotencyKeyInvalidError extends IdempotencyError {
  readonly code = 'idempotency_key_invalid';
  readonly status = 400;
  constructor(
    reason: string,
    readonly param: string,
  ) {
    super(reason);
  }
}

/** The key was first used for another request (other body, route, method or purpose). */
export class IdempotencyKeyReusedError extends IdempotencyError {
  readonly code = 'idempotency_key_reused';
  readonly status = 422;
  constructor(reason: string) {
    super(reason);
  }
}

/** The request that first used the key is still running. */
export class IdempotencyKeyInUseError extends IdempotencyError {
  readonly code = 'idempotency_key_in_use';
  readonly status = 409;
  constructor(readonly retryAfterSeconds: number) {
    super('A request with this idempotency key is still being processed. Retry after a moment with the same key.');
  }
}

/** The store could not be read or written; the request did not run. */
export class IdempotencyStoreUnavailableError extends IdempotencyError {
  readonly code = 'idempotency_store_unavailable';
  readonly status = 503;
  constructor(
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('The idempotency store is unavailable; the request was not processed. Retry with the same key.', options);
  }
}

/** A minted key that this client does not own, or that does not exist. */
export class IdempotencyKeyNotFoundError extends IdempotencyError {
  readonly code = 'idempotency_key_not_found';
  readonly status = 404;
  constructor() {
    super('No such idempotency key.');
  }
}

/**
 * The request held its key longer than `leaseMs`, so its result was not recorded and its unit of
 * work rolled back: nothing of it exists. Another request may have taken the key over meanwhile.
 * Retrying with the same key is safe (it replays, waits or runs anew).
 */
export class LeaseLostError extends IdempotencyError {
  readonly code = 'idempotency_lease_lost';
  readonly status = 503;
  readonly retryAfterSeconds = 1;
  constructor() {
    super('The request took longer than its idempotency lease, so nothing of it was kept. Retry with the same key.');
  }
}
