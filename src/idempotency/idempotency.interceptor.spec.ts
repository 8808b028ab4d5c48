import { Body, Controller, HttpException, INestApplication, Post } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { IdempotencyClock } from './idempotency-clock';
import { Idempotent } from './idempotent.decorator';
import { IdempotencyStore } from './idempotency-store';
import { IdempotencyModule } from './idempotency.module';
import { IdempotencyExceptionFilter } from './idempotency-exception.filter';
import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';

/**
 * The key lifecycle through a real Nest HTTP stack with the in-memory store: the module on its
 * own, with a controller that knows nothing of payments.
 */
let executions = 0;
let gate: Promise<void> = Promise.resolve();
let clockOverrun: () => void = () => undefined;

@Controller('things')
class ThingsController {
  @Post()
  @Idempotent({ required: true, purpose: 'things.create' })
  async create(@Body() body: { n: number }) {
    await gate;
    executions++;
    return { id: `thing_${executions}`, n: body.n };
  }

  @Post('declined')
  @Idempotent({ required: true })
  decline() {
    executions++;
    throw new HttpException({ code: 'insufficient_funds' }, 402);
  }

  @Post('broken')
  @Idempotent({ required: true })
  broken() {
    executions++;
    throw new HttpException('temporarily broken', 503);
  }

  @Post('outlived')
  @Idempotent({ required: true })
  outlived() {
    executions++;
    clockOverrun();
    return { ok: true };
  }

  @Post('optional')
  @Idempotent()
  optional() {
    executions++;
    return { ok: true };
  }
}

class FakeClock extends IdempotencyClock {
  current = new Date('2026-01-01T00:00:00.000Z');
  now(): Date {
    return new Date(this.current);
  }
}

describe('IdempotencyInterceptor with the in-memory store', () => {
  let app: INestApplication;
  let clock: FakeClock;
  const post = (path: string, key: string | undefined, body: object = { n: 1 }, client = 'client_a') => {
    const req = request(app.getHttpServer()).post(path).set('x-client', client).send(body);
    return key === undefined ? req : req.set('Idempotency-Key', key);
  };

  beforeEach(async () => {
    executions = 0;
    gate = Promise.resolve();
    clock = new FakeClock();
    clockOverrun = () => (clock.current = new Date(clock.current.getTime() + 10_001));
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdempotencyModule.forRoot({
          scope: (req: { headers: Record<string, string> }) => req.headers['x-client'],
          ttlSeconds: 60,
          waitMs: 300,
          leaseMs: 10_000,
          store: InMemoryIdempotencyStore,
          controller: false,
          purgeEnabled: false,
          renderError: (error) =>
            error instanceof HttpException
              ? {
                  status: error.getStatus(),
                  headers: { 'content-type': 'application/problem+json' },
                  body: error.getResponse(),
                  stored: error.getStatus() === 402,
                }
              : undefined,
        }),
      ],
      controllers: [ThingsController],
    })
      .overrideProvider(IdempotencyClock)
      .useValue(clock)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new IdempotencyExceptionFilter(app.get(HttpAdapterHost)));
    await app.init();
  });

  afterEach(() => app.close());

  it('first request executes; its repeat replays the same bytes with Idempotent-Replayed', async () => {
    const first = await post('/things', 'k1');
    const again = await post('/things', 'k1');
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotency-key']).toBe('k1');
    expect(executions).toBe(1);
  });

  it('same key with another body is refused with 422 and does not execute', async () => {
    await post('/things', 'k1', { n: 1 });
    const other = await post('/things', 'k1', { n: 2 });
    expect(other.status).toBe(422);
    expect(executions).toBe(1);
  });

  it('same key from another client is another request', async () => {
    const a = await post('/things', 'shared', { n: 1 }, 'client_a');
    const b = await post('/things', 'shared', { n: 1 }, 'client_b');
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(executions).toBe(2);
  });

  it('missing key on a required route is a 400 before the handler runs', async () => {
    const res = await post('/things', undefined);
    expect(res.status).toBe(400);
    expect(executions).toBe(0);
  });

  it('optional route without a key runs undeduplicated', async () => {
    await post('/things/optional', undefined);
    await post('/things/optional', undefined);
    expect(executions).toBe(2);
  });

  it('a decline is stored and replayed', async () => {
    const first = await post('/things/declined', 'd1');
    const again = await post('/things/declined', 'd1');
    expect(first.status).toBe(402);
    expect(again.status).toBe(402);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(executions).toBe(1);
  });

  it('a 5xx is not stored: the key is released and the retry runs again', async () => {
    expect((await post('/things/broken', 'b1')).status).toBe(503);
    expect((await post('/things/broken', 'b1')).status).toBe(503);
    expect(executions).toBe(2);
    const store = app.get<InMemoryIdempotencyStore>(IdempotencyStore);
    expect(await store.find('client_a', 'b1')).toBeNull();
  });

  it('a duplicate arriving while the first runs waits for it and replays', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post('/things', 'inflight').then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const duplicate = post('/things', 'inflight').then((r) => r);
    setTimeout(() => open(), 100);
    const [a, b] = await Promise.all([first, duplicate]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(executions).toBe(1);
  });

  it('a duplicate that outwaits the wait bound gets 409 with Retry-After, and never runs', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const first = post('/things', 'slow').then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const duplicate = await post('/things', 'slow');
    open();
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers['retry-after']).toBe('1');
    expect((await first).status).toBe(201);
    expect(executions).toBe(1);
  });

  it('an expired key names a new request', async () => {
    await post('/things', 'old', { n: 1 });
    clock.current = new Date(clock.current.getTime() + 61_000);
    const res = await post('/things', 'old', { n: 2 });
    expect(res.status).toBe(201);
    expect(res.body.n).toBe(2);
    expect(executions).toBe(2);
  });

  it('a key minted for another purpose is refused; one minted for this purpose is used', async () => {
    const store = app.get<InMemoryIdempotencyStore>(IdempotencyStore);
    const expiresAt = new Date(clock.current.getTime() + 60_000);
    await store.mint({ scope: 'client_a', key: 'minted-other', purpose: 'other.create', now: clock.current, expiresAt });
    await store.mint({ scope: 'client_a', key: 'minted-mine', purpose: 'things.create', now: clock.current, expiresAt });
    expect((await post('/things', 'minted-other')).status).toBe(422);
    expect((await post('/things', 'minted-mine')).status).toBe(201);
    expect((await store.find('client_a', 'minted-mine'))!.status).toBe('completed');
    expect(executions).toBe(1);
  });

  it('purge deletes only expired keys', async () => {
    await post('/things', 'p1');
    clock.current = new Date(clock.current.getTime() + 61_000);
    await post('/things', 'p2');
    const store = app.get<InMemoryIdempotencyStore>(IdempotencyStore);
    expect(await store.purgeExpired(clock.now(), 1000)).toBe(1);
    expect(await store.find('client_a', 'p1')).toBeNull();
    expect(await store.find('client_a', 'p2')).not.toBeNull();
  });

  it('a handler that outlives its lease is refused with idempotency_lease_lost; nothing is kept and the retry runs', async () => {
    const lost = await post('/things/outlived', 'lease');
    expect({ status: lost.status, code: lost.body.code, retryAfter: lost.headers['retry-after'] }).toEqual({
      status: 503,
      code: 'idempotency_lease_lost',
      retryAfter: '1',
    });
    const store = app.get<InMemoryIdempotencyStore>(IdempotencyStore);
    expect(await store.find('client_a', 'lease')).toBeNull();
    clockOverrun = () => undefined;
    expect((await post('/things/outlived', 'lease')).status).toBe(201);
    expect(executions).toBe(2);
  });
});
