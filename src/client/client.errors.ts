/** What a call of `PaymentsClient` rejects with (besides the caller's own abort reason). */
export abstract class PaymentsError extends Error {
  /** The key the call was sent with (POST only): retry the same logical call with it. */
  readonly idempotencyKey?: string;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(message: string, context: { idempotencyKey?: string; attempts: number }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.idempotencyKey = context.idempotencyKey;
    this.attempts = context.attempts;
  }
}

/** The body of an API error: RFC 9457 problem details with a stable `code`. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  param?: string;
}

/**
 * The server answered with an error: a final decision (400, 402, 404, 422…), or a transient one
 * (409 `idempotency_key_in_use`, 429, 5xx) that was still there when the retries ran out.
 */
export class PaymentsApiError extends PaymentsError {
  /** Stable machine code, e.g. `insufficient_funds`; `unexpected_response` when the body was not a problem. */
  readonly code: string;
  readonly status: number;
  readonly detail: string;
  /** The request field at fault, for validation errors. */
  readonly param?: string;
  readonly requestId?: string;
  /** The answer was the stored outcome of an earlier execution under the same key. */
  readonly idempotentReplayed: boolean;
  /** Seconds the server asked to wait before retrying (409, 429, 503). */
  readonly retryAfterSeconds?: number;
  readonly body: ProblemBody;

  constructor(
    response: { status: number; body: ProblemBody; requestId?: string; replayed: boolean; retryAfterMs?: number },
    context: { idempotencyKey?: string; attempts: number },
  ) {
    const { status, body } = response;
    const code = body.code ?? 'unexpected_response';
    const detail = body.detail ?? `The server answered ${status}.`;
    super(`${status} ${code}: ${detail}`, context);
    this.code = code;
    this.status = status;
    this.detail = detail;
    this.param = body.param;
    this.requestId = response.requestId;
    this.idempotentReplayed = response.replayed;
    this.retryAfterSeconds = response.retryAfterMs === undefined ? undefined : response.retryAfterMs / 1000;
    this.body = body;
  }
}

/**
 * No answer arrived (connection refused or cut, or every attempt timed out) and the retries ran out.
 * The request may or may not have run on the server: retry it with the same `idempotencyKey` to
 * find out, which is safe.
 */
export class PaymentsConnectionError extends PaymentsError {
  /** The last attempt was abandoned because of the client's timeout. */
  readonly timedOut: boolean;

  constructor(cause: unknown, context: { idempotencyKey?: string; attempts: number; timedOut: boolean }) {
    const reason = context.timedOut ? 'timed out' : describeNetworkError(cause);
    super(`No answer from the payments API after ${context.attempts} attempt(s): ${reason}.`, context, { cause });
    this.timedOut = context.timedOut;
  }
}

/**
 * Whether a value is an Error, also one from another realm (`instanceof` fails across realms, e.g.
 * for errors made by Node's built-in fetch when the caller runs in a VM context such as Jest's).
 */
export function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string');
}

/** `fetch failed` says nothing; the useful part is in the cause chain (`ECONNRESET`, `other side closed`…). */
export function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; isErrorLike(current) && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message);
  }
  return parts.filter((part) => part && part !== 'fetch failed').join(': ') || 'network error';
}
