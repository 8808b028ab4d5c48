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
 * The claim of `keyed` by `owner` at `now`: leased for `leaseMs`, kept until its retention ends,
 * waiting for a holder at most until `deadline` (epoch ms). Spelled out rather than spread from
 * `keyed`: one fixed shape, built on every first execution.
 */
export function claimRequest(keyed: KeyedRequest, owner: string, now: Date, leaseMs: number, deadline: number): ClaimRequest {
  return {
    scope: keyed.scope,
    key: keyed.key,
    method: keyed.method,
    path: keyed.path,
    fingerprint: keyed.fingerprint,
    purpose: keyed.purpose,
    owner,
    now,
    leaseExpiresAt: new Date(now.getTime() + leaseMs),
    expiresAt: expiresAt(keyed, now),
    waitMs: Math.max(0, deadline - Date.now()),
  };
}

/** When a key claimed at `now` expires. */
export function expiresAt(keyed: KeyedRequest, now: Date): Date {
  return new Date(now.getTime() + keyed.ttlSeconds * 1000);
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
