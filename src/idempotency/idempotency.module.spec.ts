import { Test } from '@nestjs/testing';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyModule } from './idempotency.module';
import { IdempotencyStore } from './idempotency-store';
import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
import { idempotencyOptionProblems, resolveIdempotencyOptions } from './resolved-options';
import { HttpException } from '@nestjs/common';

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

  it('by default stores the declines of Nest HttpExceptions (402, 404, 422), not 4xx a retry may change or 5xx', () => {
    const { renderError } = resolveIdempotencyOptions({ scope });
    const stored = (status: number) => renderError(new HttpException('x', status))!.stored;
    expect([402, 404, 422].every(stored)).toBe(true);
    expect([400, 401, 409, 429, 500, 503].some(stored)).toBe(false);
    expect(renderError(new Error('not an HttpException'))).toBeUndefined();
  });

  it('states each rule once, for the module and for an application checking its own settings', () => {
    expect(idempotencyOptionProblems({ waitMs: 500, leaseMs: 1_000, schema: 'keys_db' })).toEqual([]);
    expect(idempotencyOptionProblems({ waitMs: 1_000, leaseMs: 1_000 }).map((p) => p.option)).toEqual(['waitMs']);
    expect(idempotencyOptionProblems({ schema: 'keys-db;' }).map((p) => p.option)).toEqual(['schema']);
  });
});
