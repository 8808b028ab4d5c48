/**
 * The API's objects and parameters as they travel on the wire: snake_case fields, prefixed string
 * ids, ISO 8601 UTC times, and money as integers in the currency's minor unit (never floats).
 */

export type Metadata = Record<string, string>;

export interface Account {
  id: string;
  object: 'account';
  name: string;
  /** Lower-case ISO 4217 code, e.g. `usd`. */
  currency: string;
  /** Integer minor units. */
  balance: number;
  metadata: Metadata;
  created_at: string;
}

export interface Deposit {
  id: string;
  object: 'deposit';
  account: string;
  amount: number;
  currency: string;
  description: string | null;
  created_at: string;
}

export interface Transfer {
  id: string;
  object: 'transfer';
  amount: number;
  currency: string;
  from_account: string;
  to_account: string;
  amount_reversed: number;
  status: 'succeeded';
  description: string | null;
  metadata: Metadata;
  created_at: string;
}

export interface Reversal {
  id: string;
  object: 'reversal';
  transfer: string;
  amount: number;
  currency: string;
  created_at: string;
}

/** A key the server minted for this client (`POST /v1/idempotency-keys`). */
export interface MintedIdempotencyKey {
  object: 'idempotency_key';
  key: string;
  purpose: string | null;
  expires_at: string;
}

/** What the server knows of one of this client's keys (`GET /v1/idempotency-keys/:key`). */
export interface IdempotencyKeyInfo {
  object: 'idempotency_key';
  key: string;
  status: 'minted' | 'in_progress' | 'completed';
  purpose: string | null;
  method: string | null;
  path: string | null;
  response_status: number | null;
  created_at: string;
  expires_at: string;
}

/** One page of a list, newest first. */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

export interface CreateAccountParams {
  name: string;
  currency: string;
  metadata?: Metadata;
}

export interface CreateDepositParams {
  amount: number;
  currency: string;
  description?: string;
}

export interface CreateTransferParams {
  from_account: string;
  to_account: string;
  amount: number;
  currency: string;
  description?: string;
  metadata?: Metadata;
}

export interface CreateReversalParams {
  /** Default: everything not yet reversed. */
  amount?: number;
}

export interface CreateIdempotencyKeyParams {
  /** Route purpose the key is bound to, e.g. `transfers.create`. */
  purpose?: string;
}

export interface ListParams {
  /** 1 to 100; the server's default is 10. */
  limit?: number;
  /** Id of the last object of the previous page. */
  starting_after?: string;
}

export interface ListTransfersParams extends ListParams {
  /** Only transfers from or to this account. */
  account?: string;
}

/** Per-call options, the last argument of every method. */
export interface RequestOptions {
  /**
   * POST only: the `Idempotency-Key` to send. Default: a fresh UUIDv4 per logical call. Every retry
   * of the call sends the same key, so the server runs it at most once.
   */
  idempotencyKey?: string;
  /** Aborting stops the call at once: no further attempt, no further wait. The call rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for each attempt of this call. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
}

/**
 * How the answer to a call came about. Every result object carries it as `lastResponse`, a
 * non-enumerable property: it does not show in `JSON.stringify(result)` nor in deep equality, so a
 * result serializes exactly as the server's body did.
 */
export interface ResponseMeta {
  statusCode: number;
  /** The server's `X-Request-Id` of the attempt that answered. */
  requestId?: string;
  /** The key the call was sent with (POST only), the same on every attempt. */
  idempotencyKey?: string;
  /**
   * `true` when the server answered from its idempotency store (`Idempotent-Replayed: true`): the
   * request had already run, typically on an earlier attempt whose answer was lost on the way.
   */
  replayed: boolean;
  /** Attempts made, the first included. */
  attempts: number;
  /** Response headers of the answering attempt, lower-case names. */
  headers: Record<string, string>;
}

/** A result: the object as the API returned it, plus its `lastResponse` metadata. */
export type ApiResult<T> = T & { readonly lastResponse: ResponseMeta };

/** One attempt of a call, as reported to `onAttempt` (for logging and demos). */
export interface AttemptEvent {
  method: string;
  path: string;
  /** 1 for the first attempt. */
  attempt: number;
  idempotencyKey?: string;
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** The problem `code` of an error answer. */
  code?: string;
  replayed?: boolean;
  requestId?: string;
  /** The network fault, when no answer arrived (connection error or timeout). */
  error?: Error;
  timedOut?: boolean;
  /** Present when another attempt follows: how long the client waits before it. */
  retryInMs?: number;
}

export interface PaymentsClientOptions {
  /** The secret API key (`sk_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Default `http://localhost:3000`. */
  baseUrl?: string;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Backoff base: attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs·2^(n−1))). Default 500. */
  baseDelayMs?: number;
  /** Backoff cap. Default 5000. */
  maxDelayMs?: number;
  /** Each attempt is abandoned (and retried) after this long. Default 30 000. */
  timeoutMs?: number;
  /** Called after every attempt. Must not throw. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Replaces the global `fetch` (tests). */
  fetch?: typeof fetch;
}

export type EventType = 'transfer.created' | 'transfer.reversed' | 'deposit.created' | 'payout.paid' | 'payout.failed';

/** Something that happened; also the body of every webhook. `data.object` is the object as the API showed it then. */
export interface WebhookEvent {
  id: string;
  object: 'event';
  type: EventType;
  data: { object: { id: string; object: string; [field: string]: unknown } };
  created_at: string;
}

export interface ListEventsParams extends ListParams {
  type?: EventType;
}

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  /** Subscribed types, or `['*']` for all. */
  enabled_events: Array<EventType | '*'>;
  created_at: string;
}

/** The answer to the creation: the only one that shows the signing secret. */
export interface CreatedWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export interface CreateWebhookEndpointParams {
  url: string;
  events?: Array<EventType | '*'>;
}

export interface DeletedWebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  deleted: true;
}

/** One POST of an event to an endpoint. */
export interface WebhookAttempt {
  id: string;
  object: 'webhook_attempt';
  event: string;
  delivery: string;
  attempt: number;
  /** The receiver's status; null when it did not answer (refused, timed out, destination not allowed). */
  status_code: number | null;
  error: string | null;
  outcome: 'delivered' | 'retrying' | 'failed';
  duration_ms: number;
  created_at: string;
}
