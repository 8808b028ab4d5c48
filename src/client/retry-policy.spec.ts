import { AttemptOutcome, MAX_RETRY_AFTER_MS, parseRetryAfterMs, RetryPolicy } from './retry-policy';

const response = (status: number, code?: string, retryAfterMs?: number): AttemptOutcome => ({ kind: 'response', status, code, retryAfterMs });

describe('RetryPolicy', () => {
  describe('what is retried', () => {
    it.each([
      ['a connection error', { kind: 'network', timedOut: false } as AttemptOutcome],
      ['a timeout', { kind: 'network', timedOut: true } as AttemptOutcome],
      ['409 idempotency_key_in_use', response(409, 'idempotency_key_in_use')],
      ['429 rate_limited', response(429, 'rate_limited')],
      ['500 internal_error', response(500, 'internal_error')],
      ['502 from a gateway', response(502)],
      ['503 idempotency_store_unavailable', response(503, 'idempotency_store_unavailable')],
      ['503 service_unavailable', response(503, 'service_unavailable')],
    ])('retries %s', (_, outcome) => {
      expect(RetryPolicy.isRetryable(outcome)).toBe(true);
    });

    it.each([
      ['201 created', response(201)],
      ['400 validation_error', response(400, 'validation_error')],
      ['400 idempotency_key_missing', response(400, 'idempotency_key_missing')],
      ['401 invalid_api_key', response(401, 'invalid_api_key')],
      ['402 insufficient_funds', response(402, 'insufficient_funds')],
      ['404 account_not_found', response(404, 'account_not_found')],
      ['409 with another code', response(409, 'conflict')],
      ['413 payload_too_large', response(413, 'payload_too_large')],
      ['422 idempotency_key_reused', response(422, 'idempotency_key_reused')],
      ['422 currency_mismatch', response(422, 'currency_mismatch')],
    ])('never retries %s (a final decision)', (_, outcome) => {
      expect(RetryPolicy.isRetryable(outcome)).toBe(false);
    });
  });

  describe('how many times', () => {
    const policy = new RetryPolicy({ maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });

    it('allows maxRetries retries, then stops', () => {
      expect(policy.nextDelayMs(response(503), 1)).toBeDefined();
      expect(policy.nextDelayMs(response(503), 2)).toBeDefined();
      expect(policy.nextDelayMs(response(503), 3)).toBeUndefined();
    });

    it('takes a per-call maxRetries over its own', () => {
      expect(policy.nextDelayMs(response(503), 1, 0)).toBeUndefined();
      expect(policy.nextDelayMs(response(503), 5, 5)).toBeDefined();
    });

    it('stops on a decision whatever retries are left', () => {
      expect(policy.nextDelayMs(response(402, 'insufficient_funds'), 1)).toBeUndefined();
    });

    it('defaults to 3 retries', () => {
      expect(new RetryPolicy().maxRetries).toBe(3);
    });

    it('refuses a negative or fractional setting with a message naming it', () => {
      expect(() => new RetryPolicy({ maxRetries: -1 })).toThrow(/maxRetries/);
      expect(() => new RetryPolicy({ baseDelayMs: 1.5 })).toThrow(/baseDelayMs/);
    });
  });

  describe('full jitter', () => {
    const bounds = (retry: number, random: number) =>
      new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => random }).delayMs(retry);

    it.each([1, 2, 3, 4, 5, 8])('waits between 0 and min(cap, base·2^(n−1)) before retry %i', (retry) => {
      const ceiling = Math.min(1000, 100 * 2 ** (retry - 1));
      expect(bounds(retry, 0)).toBe(0);
      expect(bounds(retry, 0.999999)).toBe(ceiling - 1);
      expect(bounds(retry, 0.5)).toBe(Math.floor(ceiling / 2));
    });

    it('spreads many clients over the whole window', () => {
      let i = 0;
      const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => (i++ % 10) / 10 });
      const delays = new Set(Array.from({ length: 10 }, () => policy.delayMs(3)));
      expect([...delays].sort((a, b) => a - b)).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360]);
    });
  });

  describe('Retry-After', () => {
    const policy = new RetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 });

    it('waits at least what the server asked, even beyond the backoff cap', () => {
      expect(policy.nextDelayMs(response(409, 'idempotency_key_in_use', 2000), 1)).toBe(2000);
      expect(policy.nextDelayMs(response(429, 'rate_limited', 5000), 1)).toBe(5000);
    });

    it('keeps the jittered backoff when it is longer than Retry-After', () => {
      expect(policy.nextDelayMs(response(503, 'service_unavailable', 0), 4, 5)).toBe(799);
    });

    it(`gives up rather than wait longer than ${MAX_RETRY_AFTER_MS} ms`, () => {
      expect(policy.nextDelayMs(response(503, 'service_unavailable', MAX_RETRY_AFTER_MS + 1000), 1)).toBeUndefined();
    });

    it.each([
      ['1', 1000],
      [' 3 ', 3000],
      ['0', 0],
      ['soon', undefined],
      ['1.5', undefined],
      ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
      [undefined, undefined],
    ])('reads Retry-After %p as %p ms', (header, expected) => {
      expect(parseRetryAfterMs(header)).toBe(expected);
    });
  });
});
