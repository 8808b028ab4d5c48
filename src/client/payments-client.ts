import { HttpTransport } from './http-transport';
import { RetryPolicy } from './retry-policy';
import type {
  Account,
  ApiResult,
  CreateAccountParams,
  CreateDepositParams,
  CreateIdempotencyKeyParams,
  CreateReversalParams,
  CreateTransferParams,
  CreatedWebhookEndpoint,
  CreateWebhookEndpointParams,
  DeletedWebhookEndpoint,
  Deposit,
  ListEventsParams,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookEvent,
  IdempotencyKeyInfo,
  List,
  ListParams,
  ListTransfersParams,
  MintedIdempotencyKey,
  PaymentsClientOptions,
  RequestOptions,
  Reversal,
  Transfer,
} from './types';

export const DEFAULT_BASE_URL = 'http://localhost:3000';
/** Long enough for a duplicate that waits on the original (server default 5 s) to get its replay. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A client of the payments API that retries safely.
 *
 * - Every POST is sent with an `Idempotency-Key` (a fresh UUIDv4 unless `options.idempotencyKey`
 *   is given), and every retry of that call reuses it: money moves at most once however many
 *   attempts it takes, and the call resolves to the result the server stored.
 * - Retries (exponential backoff, full jitter, `Retry-After` honoured) on connection errors and
 *   timeouts, 409 `idempotency_key_in_use`, 429 and 5xx; never on a 4xx decision.
 * - Results are the API's objects, with a non-enumerable `lastResponse` ({@link ResponseMeta}):
 *   `replayed`, `requestId`, `idempotencyKey`, `attempts`, `statusCode`.
 * - Failures are `PaymentsApiError` (the server said no) or `PaymentsConnectionError` (no answer
 *   after the last retry); an aborted `options.signal` rejects with its reason.
 *
 * ```ts
 * const payments = new PaymentsClient({ apiKey: process.env.PAYMENTS_API_KEY! });
 * const transfer = await payments.transfers.create({ from_account, to_account, amount: 2500, currency: 'usd' });
 * transfer.lastResponse.replayed; // true if an earlier attempt had already made it
 * ```
 */
export class PaymentsClient {
  readonly accounts: ReturnType<typeof accountsResource>;
  readonly deposits: ReturnType<typeof depositsResource>;
  readonly transfers: ReturnType<typeof transfersResource>;
  readonly reversals: ReturnType<typeof reversalsResource>;
  readonly idempotencyKeys: ReturnType<typeof idempotencyKeysResource>;
  readonly webhookEndpoints: ReturnType<typeof webhookEndpointsResource>;
  readonly events: ReturnType<typeof eventsResource>;

  constructor(options: PaymentsClientOptions) {
    if (!options?.apiKey) throw new TypeError('PaymentsClient: apiKey is required (the secret key, sk_…).');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`PaymentsClient: timeoutMs must be positive; got ${timeoutMs}.`);
    const http = new HttpTransport({
      apiKey: options.apiKey,
      baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
      timeoutMs,
      policy: new RetryPolicy({ maxRetries: options.maxRetries, baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs }),
      fetch: options.fetch ?? globalThis.fetch,
      onAttempt: options.onAttempt,
    });
    const api: Requester = {
      get: (path, query, opts) => http.request({ method: 'GET', path, query: query as Record<string, string | number>, options: opts }),
      post: (path, body, opts) => http.request({ method: 'POST', path, body, options: opts }),
      delete: (path, opts) => http.request({ method: 'DELETE', path, options: opts }),
    };
    this.accounts = accountsResource(api);
    this.deposits = depositsResource(api);
    this.transfers = transfersResource(api);
    this.reversals = reversalsResource(api);
    this.idempotencyKeys = idempotencyKeysResource(api);
    this.webhookEndpoints = webhookEndpointsResource(api);
    this.events = eventsResource(api);
  }
}

interface Requester {
  get<T extends object>(path: string, query?: object, options?: RequestOptions): Promise<ApiResult<T>>;
  post<T extends object>(path: string, body: object, options?: RequestOptions): Promise<ApiResult<T>>;
  delete<T extends object>(path: string, options?: RequestOptions): Promise<ApiResult<T>>;
}

function accountsResource(api: Requester) {
  const list = (params: ListParams = {}, options?: RequestOptions) => api.get<List<Account>>('/v1/accounts', params, options);
  return {
    create: (params: CreateAccountParams, options?: RequestOptions) => api.post<Account>('/v1/accounts', params, options),
    retrieve: (id: string, options?: RequestOptions) => api.get<Account>(`/v1/accounts/${segment(id)}`, undefined, options),
    list,
    /** Every account, newest first, fetching pages as the loop goes. */
    listAutoPaging: (params: ListParams = {}, options?: RequestOptions) =>
      autoPaging((starting_after) => list({ ...params, starting_after }, options), params.starting_after),
  };
}

function depositsResource(api: Requester) {
  return {
    create: (accountId: string, params: CreateDepositParams, options?: RequestOptions) =>
      api.post<Deposit>(`/v1/accounts/${segment(accountId)}/deposits`, params, options),
  };
}

function transfersResource(api: Requester) {
  const list = (params: ListTransfersParams = {}, options?: RequestOptions) => api.get<List<Transfer>>('/v1/transfers', params, options);
  return {
    create: (params: CreateTransferParams, options?: RequestOptions) => api.post<Transfer>('/v1/transfers', params, options),
    retrieve: (id: string, options?: RequestOptions) => api.get<Transfer>(`/v1/transfers/${segment(id)}`, undefined, options),
    list,
    /** Every transfer (of `params.account`, when given), newest first, fetching pages as the loop goes. */
    listAutoPaging: (params: ListTransfersParams = {}, options?: RequestOptions) =>
      autoPaging((starting_after) => list({ ...params, starting_after }, options), params.starting_after),
  };
}

function reversalsResource(api: Requester) {
  return {
    create: (transferId: string, params: CreateReversalParams = {}, options?: RequestOptions) =>
      api.post<Reversal>(`/v1/transfers/${segment(transferId)}/reversals`, params, options),
  };
}

function idempotencyKeysResource(api: Requester) {
  return {
    /** Asks the server for a fresh key, optionally bound to a purpose such as `transfers.create`. */
    create: (params: CreateIdempotencyKeyParams = {}, options?: RequestOptions) =>
      api.post<MintedIdempotencyKey>('/v1/idempotency-keys', params, options),
    retrieve: (key: string, options?: RequestOptions) =>
      api.get<IdempotencyKeyInfo>(`/v1/idempotency-keys/${segment(key)}`, undefined, options),
  };
}

function webhookEndpointsResource(api: Requester) {
  const list = (params: ListParams = {}, options?: RequestOptions) => api.get<List<WebhookEndpoint>>('/v1/webhook-endpoints', params, options);
  return {
    /** Registers a URL; the result's `secret` is shown only here: keep it to verify signatures. */
    create: (params: CreateWebhookEndpointParams, options?: RequestOptions) => api.post<CreatedWebhookEndpoint>('/v1/webhook-endpoints', params, options),
    retrieve: (id: string, options?: RequestOptions) => api.get<WebhookEndpoint>(`/v1/webhook-endpoints/${segment(id)}`, undefined, options),
    list,
    del: (id: string, options?: RequestOptions) => api.delete<DeletedWebhookEndpoint>(`/v1/webhook-endpoints/${segment(id)}`, options),
    /** The endpoint's recent delivery attempts, newest first, with the receiver's status codes. */
    attempts: (id: string, params: ListParams = {}, options?: RequestOptions) =>
      api.get<List<WebhookAttempt>>(`/v1/webhook-endpoints/${segment(id)}/attempts`, params, options),
  };
}

function eventsResource(api: Requester) {
  const list = (params: ListEventsParams = {}, options?: RequestOptions) => api.get<List<WebhookEvent>>('/v1/events', params, options);
  return {
    retrieve: (id: string, options?: RequestOptions) => api.get<WebhookEvent>(`/v1/events/${segment(id)}`, undefined, options),
    list,
    /** Every event (of `params.type`, when given), newest first, fetching pages as the loop goes. */
    listAutoPaging: (params: ListEventsParams = {}, options?: RequestOptions) =>
      autoPaging((starting_after) => list({ ...params, starting_after }, options), params.starting_after),
  };
}

/** Follows `starting_after` from page to page while `has_more`; each page is one (retried) call. */
async function* autoPaging<T extends { id: string }>(
  page: (startingAfter: string | undefined) => Promise<ApiResult<List<T>>>,
  startingAfter?: string,
): AsyncGenerator<T, void, undefined> {
  for (let cursor = startingAfter; ; ) {
    const { data, has_more } = await page(cursor);
    yield* data;
    if (!has_more || data.length === 0) return;
    cursor = data[data.length - 1].id;
  }
}

function segment(id: string): string {
  return encodeURIComponent(id);
}
