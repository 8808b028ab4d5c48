import { randomUUID } from 'node:crypto';
import { isErrorLike, PaymentsApiError, PaymentsConnectionError, ProblemBody } from './client.errors';
import { AttemptOutcome, parseRetryAfterMs, RetryPolicy } from './retry-policy';
import type { ApiResult, AttemptEvent, RequestOptions, ResponseMeta } from './types';

export interface TransportConfig {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  policy: RetryPolicy;
  fetch: typeof fetch;
  onAttempt?: (event: AttemptEvent) => void;
  /** Waits between attempts; replaced in tests so they need not wait for real. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: object;
  options?: RequestOptions;
}

type Attempted =
  | { kind: 'response'; status: number; headers: Record<string, string>; json: unknown }
  | { kind: 'network'; error: unknown; timedOut: boolean };

/**
 * Sends one logical call as one or more HTTP attempts. A POST gets its `Idempotency-Key` once,
 * before the first attempt, and sends that same key on every retry: that is what makes a retry
 * after a lost answer safe (the server replays the stored result instead of moving money again).
 */
export class HttpTransport {
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly config: TransportConfig) {
    this.sleep = config.sleep ?? abortableSleep;
  }

  async request<T extends object>(call: Call): Promise<ApiResult<T>> {
    const options = call.options ?? {};
    const idempotencyKey = call.method === 'POST' ? (options.idempotencyKey ?? randomUUID()) : undefined;
    const init: RequestInit = {
      method: call.method,
      headers: this.headers(idempotencyKey, call.body !== undefined),
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    };
    const url = this.url(call.path, call.query);
    const maxRetries = options.maxRetries ?? this.config.policy.maxRetries;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      const result = await this.attempt(url, init, options);
      const retryInMs = this.config.policy.nextDelayMs(outcomeOf(result), attempt, maxRetries);
      this.report({ method: call.method, path: call.path, attempt, idempotencyKey, retryInMs }, result);
      if (retryInMs === undefined) return settle<T>(result, { idempotencyKey, attempts: attempt });
      await this.sleep(retryInMs, options.signal);
    }
  }

  /** One HTTP exchange, body included, bounded by the timeout; the caller's abort ends it at once. */
  private async attempt(url: string, init: RequestInit, options: RequestOptions): Promise<Attempted> {
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const forwardAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      const response = await this.config.fetch(url, { ...init, signal: controller.signal });
      const text = await response.text();
      return { kind: 'response', status: response.status, headers: headersOf(response.headers), json: parseJson(text) };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      return { kind: 'network', error, timedOut };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  private report(event: AttemptEvent, result: Attempted): void {
    if (!this.config.onAttempt) return;
    if (result.kind === 'network') {
      Object.assign(event, { error: isErrorLike(result.error) ? result.error : new Error(String(result.error)), timedOut: result.timedOut });
    } else {
      const { headers } = result;
      Object.assign(event, { status: result.status, code: problemOf(result.json).code, replayed: headers['idempotent-replayed'] === 'true', requestId: headers['x-request-id'] });
    }
    try {
      this.config.onAttempt(event);
    } catch {
      // An observer's bug must not change the outcome of a payment call.
    }
  }

  private headers(idempotencyKey: string | undefined, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.config.apiKey}`, Accept: 'application/json' };
    if (hasBody) headers['Content-Type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    return headers;
  }

  private url(path: string, query: Call['query'] = {}): string {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const suffix = search.toString();
    return `${this.config.baseUrl.replace(/\/+$/, '')}${path}${suffix ? `?${suffix}` : ''}`;
  }
}

function outcomeOf(result: Attempted): AttemptOutcome {
  if (result.kind === 'network') return { kind: 'network', timedOut: result.timedOut };
  return { kind: 'response', status: result.status, code: problemOf(result.json).code, retryAfterMs: parseRetryAfterMs(result.headers['retry-after']) };
}

/** The final attempt becomes the call's result, or its typed error. */
function settle<T extends object>(result: Attempted, context: { idempotencyKey?: string; attempts: number }): ApiResult<T> {
  if (result.kind === 'network') throw new PaymentsConnectionError(result.error, { ...context, timedOut: result.timedOut });
  const { status, headers, json } = result;
  const meta: ResponseMeta = {
    statusCode: status,
    requestId: headers['x-request-id'],
    idempotencyKey: context.idempotencyKey,
    replayed: headers['idempotent-replayed'] === 'true',
    attempts: context.attempts,
    headers,
  };
  if (status >= 200 && status < 300 && isObject(json)) {
    return Object.defineProperty(json, 'lastResponse', { value: meta, enumerable: false }) as ApiResult<T>;
  }
  const response = { status, body: problemOf(json), requestId: meta.requestId, replayed: meta.replayed, retryAfterMs: parseRetryAfterMs(headers['retry-after']) };
  throw new PaymentsApiError(response, context);
}

function problemOf(json: unknown): ProblemBody {
  return isObject(json) ? (json as ProblemBody) : {};
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** `setTimeout` as a promise that rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
