/** The public surface of the idempotency module: everything outside `src/idempotency/` imports from here. */
export { IdempotencyModule } from './idempotency.module';
export { Idempotent, IdempotentMetadata, type IdempotentOptions } from './idempotent.decorator';
export { IdempotencyInterceptor } from './idempotency.interceptor';
export type { IdempotencyModuleOptions, RenderedResponse } from './idempotency.options';
export { idempotencyOptionProblems, type OptionProblem } from './resolved-options';
export * from './idempotency-store';
export * from './idempotency.errors';
export { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
export { TypeOrmIdempotencyStore, idempotencyTableName } from './typeorm-idempotency.store';
export { IdempotencyPurgeService } from './idempotency-purge.service';
export { idempotencyKeysTable } from './idempotency-keys.table';
export { IdempotencyClock } from './idempotency-clock';
export { RetryPolicy, type RetryPolicyOptions } from './retry-policy';
export type { IdempotencyOutcome } from './idempotency-outcome';
export { requestFingerprint, canonicalJson } from './fingerprint';
export { IdempotencyExceptionFilter } from './idempotency-exception.filter';
export { parseIdempotencyKey, resolveIdempotencyKey } from './idempotency-key';
