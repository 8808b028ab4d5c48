import { HttpException } from '@nestjs/common';
import type { IdempotencyModuleOptions, RenderedResponse, ResolvedIdempotencyOptions } from './idempotency.options';

export const RESOLVED_IDEMPOTENCY_OPTIONS = Symbol('RESOLVED_IDEMPOTENCY_OPTIONS');

/** Nest's own rendering of an `HttpException`; anything else is not the layer's to describe. */
function renderHttpException(error: unknown): RenderedResponse | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const body = error.getResponse();
  return {
    status: error.getStatus(),
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: typeof body === 'string' ? { statusCode: error.getStatus(), message: body } : body,
  };
}

/** A 2xx, or a decline the handler reached deterministically. */
function isDefiniteOutcome(status: number): boolean {
  return (status >= 200 && status < 300) || status === 402 || status === 404 || status === 422;
}

/** Fills in defaults and checks the numbers, so a bad setting fails at start-up, not mid-request. */
export function resolveIdempotencyOptions(options: IdempotencyModuleOptions): ResolvedIdempotencyOptions {
  const resolved: ResolvedIdempotencyOptions = {
    enabled: true,
    headerName: 'Idempotency-Key',
    queryParameter: 'idempotency_key',
    ttlSeconds: 86_400,
    leaseMs: 60_000,
    waitMs: 5_000,
    storedHeaders: ['content-type', 'location'],
    maxTransientRetries: 3,
    purgeEnabled: true,
    purgeBatchSize: 1_000,
    replayCacheSize: 10_000,
    renderError: renderHttpException,
    isStoredStatus: isDefiniteOutcome,
    ...stripUndefined(options),
    scope: options.scope,
  };
  if (typeof resolved.scope !== 'function') {
    throw new Error('IdempotencyModule: the scope option is required (a function from request to client id).');
  }
  for (const name of ['ttlSeconds', 'leaseMs', 'waitMs', 'purgeBatchSize'] as const) {
    if (!Number.isSafeInteger(resolved[name]) || resolved[name] <= 0) {
      throw new Error(`IdempotencyModule: ${name} must be a positive integer; got ${resolved[name]}.`);
    }
  }
  if (!Number.isSafeInteger(resolved.replayCacheSize) || resolved.replayCacheSize < 0) {
    throw new Error(`IdempotencyModule: replayCacheSize must be 0 or a positive integer; got ${resolved.replayCacheSize}.`);
  }
  if (resolved.waitMs >= resolved.leaseMs) {
    throw new Error('IdempotencyModule: waitMs must be shorter than leaseMs, or a waiter could outlive the lease it waits on.');
  }
  resolved.storedHeaders = resolved.storedHeaders.map((name) => name.toLowerCase());
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
