import { Test } from '@nestjs/testing';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyModule } from './idempotency.module';
import { IdempotencyStore } from './idempotency-store';
import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
import { resolveIdempotencyOptions } from './resolved-options';

describe('IdempotencyModule', () => {
  it('is configured asynchronously with forRootAsync and the store of your choice', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdempotencyModule.forRootAsync({
          useFactory: async () => ({ scope: () => 'client', waitMs: 100, purgeEnabled: false }),
          store: InMemoryIdempotencyStore,
          controller: false,
        }),
      ],
    }).compile();
    expect(moduleRef.get(IdempotencyStore)).toBeInstanceOf(InMemoryIdempotencyStore);
    expect(moduleRef.get(IdempotencyInterceptor)).toBeInstanceOf(IdempotencyInterceptor);
    await moduleRef.close();
  });
});

describe('resolveIdempotencyOptions', () => {
  const scope = () => 'client';

  it('fills in the documented defaults', () => {
    expect(resolveIdempotencyOptions({ scope })).toMatchObject({
      headerName: 'Idempotency-Key',
      queryParameter: 'idempotency_key',
      ttlSeconds: 86_400,
      leaseMs: 60_000,
      waitMs: 5_000,
      storedHeaders: ['content-type', 'location'],
    });
  });

  it.each([
    [{ waitMs: 60_000, leaseMs: 60_000 }, /waitMs must be shorter than leaseMs/],
    [{ ttlSeconds: 0 }, /ttlSeconds must be a positive integer/],
    [{ purgeBatchSize: 1.5 }, /purgeBatchSize must be a positive integer/],
  ])('refuses %p at start-up', (options, message) => {
    expect(() => resolveIdempotencyOptions({ scope, ...options })).toThrow(message);
  });

  it('refuses to start without a scope resolver', () => {
    expect(() => resolveIdempotencyOptions({} as never)).toThrow(/scope option is required/);
  });

  it('treats 2xx and definite declines as stored outcomes, 5xx and 409 not', () => {
    const { isStoredStatus } = resolveIdempotencyOptions({ scope });
    expect([200, 201, 402, 404, 422].every(isStoredStatus)).toBe(true);
    expect([400, 401, 409, 429, 500, 503].some(isStoredStatus)).toBe(false);
  });
});
