import { HttpException } from '@nestjs/common';
import type { IdempotencyModuleOptions, RenderedResponse, ResolvedIdempotencyOptions } from './idempotency.options';
import { RetryPolicy } from './retry-policy';

export const RESOLVED_IDEMPOTENCY_OPTIONS = Symbol('RESOLVED_IDEMPOTENCY_OPTIONS');

/** Nest's own rendering of an `HttpException`; anything else is not the layer's to describe. */
function renderHttpException(error: unknown): RenderedResponse | undefined {
  if (!(error instanceof HttpException)) return undefined;
  const status = error.getStatus();
  const body = error.getResponse();
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: typeof body === 'string' ? { statusCode: status, message: body } : body,
    // Without classes that say so, the statuses a handler reaches deterministically.
    stored: status === 402 || status === 404 || status === 422,
  };
}

/** A setting that breaks a rule of the module: which option, and what is wrong with it. */
export interface OptionProblem {
  option: 'ttlSeconds' | 'leaseMs' | 'waitMs' | 'purgeBatchSize' | 'completerIntervalMs' | 'completerMaxBackoffMs' | 'replayCacheSize' | 'schema';
  problem: string;
}

/** MySQL schema names the module accepts: nothing that would need quoting in SQL. */
const SCHEMA_NAME = /^[A-Za-z0-9_]{1,64}$/;

/**
 * The rules the numbers and names of the options follow, stated once: the module checks them at
 * start-up and an application may check its own settings with them before (to name its variable).
 */
export function idempotencyOptionProblems(options: Partial<Pick<IdempotencyModuleOptions, OptionProblem['option']>>): OptionProblem[] {
  const problems: OptionProblem[] = [];
  for (const option of ['ttlSeconds', 'leaseMs', 'waitMs', 'purgeBatchSize', 'completerIntervalMs', 'completerMaxBackoffMs'] as const) {
    const value = options[option];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      problems.push({ option, problem: `must be a positive integer; got ${value}` });
    }
  }
  if (options.replayCacheSize !== undefined && (!Number.isSafeInteger(options.replayCacheSize) || options.replayCacheSize < 0)) {
    problems.push({ option: 'replayCacheSize', problem: `must be 0 or a positive integer; got ${options.replayCacheSize}` });
  }
  const { waitMs, leaseMs } = options;
  if (waitMs !== undefined && leaseMs !== undefined && waitMs >= leaseMs) {
    problems.push({ option: 'waitMs', problem: `must be shorter than leaseMs (${leaseMs}), or a waiter could outlive the lease it waits on` });
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    problems.push({ option: 'schema', problem: `must be 1 to 64 letters, digits or underscores; got "${options.schema}"` });
  }
  return problems;
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
    retryPolicy: new RetryPolicy({ retries: 3, baseDelayMs: 10, maxDelayMs: 200 }),
    purgeEnabled: true,
    purgeBatchSize: 1_000,
    completerEnabled: false,
    completerIntervalMs: 1_000,
    completerGraceMs: 2_000,
    completerMaxBackoffMs: 60_000,
    checkpoint: () => undefined,
    replayCacheSize: 10_000,
    renderError: renderHttpException,
    ...stripUndefined(options),
    scope: options.scope,
  };
  if (typeof resolved.scope !== 'function') {
    throw new Error('IdempotencyModule: the scope option is required (a function from request to client id).');
  }
  const [first] = idempotencyOptionProblems(resolved);
  if (first) throw new Error(`IdempotencyModule: ${first.option} ${first.problem}.`);
  resolved.storedHeaders = resolved.storedHeaders.map((name) => name.toLowerCase());
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
