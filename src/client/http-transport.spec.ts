import { PaymentsApiError, PaymentsConnectionError } from './client.errors';
import { HttpTransport } from './http-transport';
import { RetryPolicy } from './retry-policy';
import { fakeFetch, networkError, Scripted } from './testing/fake-fetch';
import type { AttemptEvent } from './types';

const TRANSFER = { id: 'tr_1', object: 'transfer', amount: 2500, currency: 'usd' };
const problem = (status: number, code: string, extra: object = {}) => ({ type: `/docs/errors#${code}`, title: code, status, detail: `${code} detail`, code, ...extra });
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A transport over a scripted fetch; waits are recorded, not slept. */
function transportFor(script: Scripted[], options: { maxRetries?: number; timeoutMs?: number } = {}) {
  const fake = fakeFetch(...script);
  const sleeps: number[] = [];
  const events: AttemptEvent[] = [];
  const transport = new HttpTransport({
    apiKey: 'sk_test_unit',
    baseUrl: 'http://payments.test/',
    timeoutMs: options.timeoutMs ?? 1000,
    policy: new RetryPolicy({ maxRetries: options.maxRetries ?? 3, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 }),
    fetch: fake.fetch,
    onAttempt: (event) => events.push(event),
    sleep: async (ms) => void sleeps.push(ms),
  });
  const post = (options: object = {}) => transport.request<typeof TRANSFER>({ method: 'POST', path: '/v1/transfers', body: { amount: 2500 }, options });
  return { transport, post, calls: fake.calls, sleeps, events };
}

describe('HttpTransport', () => {
  describe('idempotency keys', () => {
    it('sends one fresh UUIDv4 key and the same key on every retry of the call', async () => {
      const { post, calls } = transportFor([networkError(), { status: 503, body: problem(503, 'service_unavailable') }, { status: 201, body: TRANSFER }]);
      const result = await post();
      const keys = calls.map((call) => call.headers['Idempotency-Key']);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(UUID_V4);
      expect(result.lastResponse.idempotencyKey).toBe(keys[0]);
      expect(calls.map((call) => call.body)).toEqual(Array(3).fill('{"amount":2500}'));
    });

    it('gives every logical call its own key', async () => {
      const { post, calls } = transportFor([{ status: 201, body: TRANSFER }]);
      await post();
      await post();
      expect(calls[0].headers['Idempotency-Key']).not.toBe(calls[1].headers['Idempotency-Key']);
    });

    it("uses the caller's key when given", async () => {
      const { post, calls } = transportFor([networkError(), { status: 201, body: TRANSFER }]);
      await post({ idempotencyKey: 'order-42-payment' });
      expect(calls.map((call) => call.headers['Idempotency-Key'])).toEqual(['order-42-payment', 'order-42-payment']);
    });

    it('sends no key on a GET', async () => {
      const { transport, calls } = transportFor([{ status: 200, body: TRANSFER }]);
      await transport.request({ method: 'GET', path: '/v1/transfers', query: { limit: 2, account: undefined } });
      expect(calls[0].headers['Idempotency-Key']).toBeUndefined();
      expect(calls[0].url).toBe('http://payments.test/v1/transfers?limit=2');
      expect(calls[0].headers.Authorization).toBe('Bearer sk_test_unit');
    });
  });

  describe('results', () => {
    it('is the body as the server sent it, with lastResponse kept out of its own keys', async () => {
      const headers = { 'idempotent-replayed': 'true', 'x-request-id': 'req_9' };
      const { post } = transportFor([{ status: 201, body: TRANSFER, headers }]);
      const result = await post();
      expect(JSON.stringify(result)).toBe(JSON.stringify(TRANSFER));
      expect(result).toEqual(TRANSFER);
      expect(result.lastResponse).toMatchObject({ statusCode: 201, replayed: true, requestId: 'req_9', attempts: 1 });
    });

    it('reports every attempt with what it saw and whether another follows', async () => {
      const { post, events } = transportFor([networkError('ECONNRESET'), { status: 201, body: TRANSFER }]);
      await post();
      expect(events).toEqual([
        expect.objectContaining({ attempt: 1, error: expect.any(Error), timedOut: false, retryInMs: 50 }),
        expect.objectContaining({ attempt: 2, status: 201, replayed: false, retryInMs: undefined }),
      ]);
    });
  });

  describe('retries', () => {
    it('does not retry a 402 decline and throws it as a typed error', async () => {
      const { post, calls } = transportFor([{ status: 402, body: problem(402, 'insufficient_funds'), headers: { 'x-request-id': 'req_1' } }]);
      const error = await post().catch((e: unknown) => e);
      expect(calls).toHaveLength(1);
      expect(error).toBeInstanceOf(PaymentsApiError);
      expect(error).toMatchObject({ code: 'insufficient_funds', status: 402, detail: 'insufficient_funds detail', requestId: 'req_1', idempotentReplayed: false, attempts: 1 });
    });

    it('carries param of a validation error', async () => {
      const { post } = transportFor([{ status: 400, body: problem(400, 'validation_error', { param: 'amount' }) }]);
      await expect(post()).rejects.toMatchObject({ code: 'validation_error', param: 'amount' });
    });

    it('retries 409 idempotency_key_in_use after the Retry-After the server asked for', async () => {
      const inUse = { status: 409, body: problem(409, 'idempotency_key_in_use'), headers: { 'retry-after': '2' } };
      const { post, calls, sleeps } = transportFor([inUse, { status: 201, body: TRANSFER, headers: { 'idempotent-replayed': 'true' } }]);
      const result = await post();
      expect(calls).toHaveLength(2);
      expect(sleeps).toEqual([2000]);
      expect(result.lastResponse).toMatchObject({ attempts: 2, replayed: true });
    });

    it('retries 429 and 5xx with growing jittered backoff, then throws the last answer', async () => {
      const { post, calls, sleeps } = transportFor([
        { status: 429, body: problem(429, 'rate_limited') },
        { status: 500, body: problem(500, 'internal_error') },
        { status: 502, body: 'Bad gateway' },
        { status: 503, body: problem(503, 'idempotency_store_unavailable'), headers: { 'retry-after': '1' } },
      ]);
      const error = await post().catch((e: unknown) => e);
      expect(calls).toHaveLength(4);
      expect(sleeps).toEqual([50, 100, 200]);
      expect(error).toMatchObject({ name: 'PaymentsApiError', code: 'idempotency_store_unavailable', status: 503, retryAfterSeconds: 1, attempts: 4 });
    });

    it('names a non-problem error body unexpected_response', async () => {
      const { post } = transportFor([{ status: 502, body: '<html>bad gateway</html>' }], { maxRetries: 0 });
      await expect(post()).rejects.toMatchObject({ code: 'unexpected_response', status: 502 });
    });

    it('throws PaymentsConnectionError with the cause once retries on network faults run out', async () => {
      const { post, calls } = transportFor([networkError('ECONNREFUSED')], { maxRetries: 2 });
      const error = await post().catch((e: unknown) => e);
      expect(calls).toHaveLength(3);
      expect(error).toBeInstanceOf(PaymentsConnectionError);
      expect(error).toMatchObject({ attempts: 3, timedOut: false, idempotencyKey: calls[0].headers['Idempotency-Key'] });
      expect((error as Error).message).toContain('ECONNREFUSED');
    });

    it('abandons an attempt at the timeout and retries it', async () => {
      const { post, calls, events } = transportFor(['hang', { status: 201, body: TRANSFER }], { timeoutMs: 5 });
      const result = await post();
      expect(calls).toHaveLength(2);
      expect(events[0]).toMatchObject({ attempt: 1, timedOut: true });
      expect(result.id).toBe('tr_1');
    });

    it('reports a timeout on the last attempt as timedOut', async () => {
      const { post } = transportFor(['hang'], { timeoutMs: 5, maxRetries: 1 });
      await expect(post()).rejects.toMatchObject({ name: 'PaymentsConnectionError', timedOut: true, attempts: 2 });
    });
  });

  describe("the caller's AbortSignal", () => {
    it('stops an attempt in flight at once, with the reason, and tries no more', async () => {
      const { post, calls } = transportFor(['hang']);
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const pending = post({ signal: controller.signal });
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(calls).toHaveLength(1);
    });

    it('sends nothing when already aborted', async () => {
      const { post, calls } = transportFor([{ status: 201, body: TRANSFER }]);
      await expect(post({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toHaveLength(0);
    });

    it('stops during the wait between attempts', async () => {
      const controller = new AbortController();
      const fake = fakeFetch(networkError());
      const transport = new HttpTransport({
        apiKey: 'sk_test_unit',
        baseUrl: 'http://payments.test',
        timeoutMs: 1000,
        policy: new RetryPolicy({ baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.99 }),
        fetch: fake.fetch,
        onAttempt: () => controller.abort(new Error('shutting down')),
      });
      await expect(transport.request({ method: 'POST', path: '/v1/transfers', body: {}, options: { signal: controller.signal } })).rejects.toThrow('shutting down');
      expect(fake.calls).toHaveLength(1);
    });
  });
});
