/** The public surface of the idempotency module. */
export { IdempotencyModule } from './idempotency.module';
export { Idempotent, IdempotentMetadata, type IdempotentOptions } from './idempotent.decorator';
export { IdempotencyInterceptor } from './idempotency.interceptor';
export type { IdempotencyModuleOptions, RenderedResponse } from './idempotency.options';
export * from './idempotency-store';
export * from './idempotency.errors';
export { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
export { TypeOrmIdempotencyStore, idempotencyTableName } from './typeorm-idempotency.store';
export { IdempotencyPurgeService } from './idempotency-purge.service';
export { classifyDatabaseError, isUniqueViolation } from './idempotency-errors.classifier';
export { idempotencyKeysTable } from './idempotency-keys.table';
export { Clock } from './clock';
export type { IdempotencyOutcome } from './idempotency-outcome';
export { requestFingerprint, canonicalJson } from './fingerprint';
export { IdempotencyExceptionFilter } from './idempotency-exception.filter';
export { parseIdempotencyKey, resolveIdempotencyKey } from './idempotency-key';
