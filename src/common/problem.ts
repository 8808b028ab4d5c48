import { HttpException } from '@nestjs/common';
import { IdempotencyError, RenderedResponse } from '../idempotency';
import { classifyDatabaseError } from '../database/database-errors';
import { DomainError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Codes for what the framework itself rejects, by status. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_error',
  401: 'authentication_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  param?: string;
}

function titleOf(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A problem response: status, headers (content type, Retry-After) and the RFC 9457 body; `stored`
 * when it is a definite outcome that an idempotency key keeps (only domain errors say so).
 */
export function problem(status: number, code: string, detail: string, param?: string, retryAfter?: number, stored = false): RenderedResponse {
  const body: Problem = { type: `/docs/errors#${code}`, title: titleOf(code), status, detail, code };
  if (param !== undefined) body.param = param;
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, headers, body, stored };
}

/** Errors of body parsers (Express's body-parser, Fastify's content-type parsers) carry a status or a type. */
interface ParserError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
}

/**
 * The one mapping from anything thrown to an RFC 9457 problem response. Used by the exception
 * filter, and by the idempotency layer to store declines exactly as they are sent. Nothing internal
 * (stack, SQL, class names) reaches the body; an unknown error is a plain 500.
 */
export function renderProblem(error: unknown): RenderedResponse {
  // The HTTP adapters wrap what body parsers throw (our JSON checks included) in an HttpException.
  if (error instanceof HttpException && error.cause instanceof DomainError) error = error.cause;
  if (error instanceof DomainError) {
    return problem(error.status, error.code, error.message, error.param, undefined, error.stored);
  }
  if (error instanceof IdempotencyError) {
    const retryAfter = error.retryAfterSeconds;
    return problem(error.status, error.code, error.message, error.param, retryAfter);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    // 429s carry the throttler's own Retry-After; a 503 from the framework suggests a second.
    const retryAfter = status === 503 ? 1 : undefined;
    const detail =
      status === 404
        ? 'No such route.'
        : status === 429
          ? 'Too many requests; retry after the number of seconds in Retry-After.'
        : error.cause instanceof SyntaxError
          ? 'The request body is not valid JSON.'
          : status >= 500
            ? 'The service could not process the request.'
            : error.message;
    return problem(status, code, detail, undefined, retryAfter);
  }
  const parser = error as ParserError;
  const parserStatus = parser?.status ?? parser?.statusCode;
  if (typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500) {
    if (parserStatus === 413) return problem(413, 'payload_too_large', 'The request body is larger than this API accepts (100 KB, at most 200 form parameters).');
    if (parserStatus === 415) return problem(415, 'unsupported_media_type', 'Send application/json or application/x-www-form-urlencoded.');
    return problem(400, 'validation_error', 'The request body could not be parsed; send valid JSON or form data.');
  }
  if (classifyDatabaseError(error) !== undefined) {
    return problem(503, 'service_unavailable', 'The service is temporarily unavailable; retry with the same idempotency key.', undefined, 1);
  }
  // Not "retry": an unexpected error may well be deterministic, and the same request would fail the
  // same way. Nothing was written (the unit of work rolled back) and the key was not stored.
  return problem(500, 'internal_error', 'An unexpected error occurred and nothing was written. If it persists, report this response\'s X-Request-Id.');
}
