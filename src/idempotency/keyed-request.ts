import type { HttpServer } from '@nestjs/common';
import { requestFingerprint } from './fingerprint';
import type { IdempotentOptions } from './idempotent.decorator';
import { resolveIdempotencyKey } from './idempotency-key';
import { IdempotencyKeyMissingError } from './idempotency.errors';
import type { ClaimRequest } from './idempotency-store';
import { IdempotencyRequest, setOutcome } from './idempotency-outcome';
import type { ResolvedIdempotencyOptions } from './idempotency.options';

/** Everything that identifies one keyed request: what a claim binds the key to, and its retention. */
export interface KeyedRequest extends Pick<ClaimRequest, 'scope' | 'key' | 'method' | 'path' | 'fingerprint' | 'purpose'> {
  ttlSeconds: number;
}

/**
 * Reads the key and what it binds to: scope, method, concrete path and body fingerprint. Returns
 * `undefined` when the request carries no key and the route lets it run without one.
 */
export function readKeyedRequest(
  request: IdempotencyRequest,
  route: IdempotentOptions,
  options: ResolvedIdempotencyOptions,
  adapter: Pick<HttpServer, 'getRequestUrl'>,
): KeyedRequest | undefined {
  const { headerName, queryParameter } = options;
  let key: string | undefined;
  try {
    key = resolveIdempotencyKey(request.headers[headerName.toLowerCase()], queryParameter ? request.query?.[queryParameter] : undefined, {
      header: headerName,
      query: queryParameter,
    });
  } catch (error) {
    setOutcome(request, 'invalid');
    throw error;
  }
  if (key === undefined) {
    if (!route.required) return undefined;
    setOutcome(request, 'invalid');
    throw new IdempotencyKeyMissingError(headerName);
  }
  const scope = options.scope(request);
  if (!scope) {
    throw new Error('IdempotencyModule: the scope resolver found no client on an @Idempotent() route; authenticate it first.');
  }
  // The route path only, also for an absolute-form target (`POST http://host/v1/transfers`): the
  // same request in origin form must fingerprint alike.
  const path =
    adapter.getRequestUrl!(request)
      .split('?')[0]
      .replace(/^[a-z][a-z\d+.-]*:\/\/[^/]*/i, '') || '/';
  return {
    scope,
    key,
    method: request.method,
    path,
    fingerprint: requestFingerprint(request.method, path, request.body),
    purpose: route.purpose ?? null,
    ttlSeconds: route.ttlSeconds ?? options.ttlSeconds,
  };
}
