import { RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  const policy = (random: number, budgetMs?: number) => new RetryPolicy({ retries: 3, baseDelayMs: 10, maxDelayMs: 25, budgetMs }, () => random);

  it('draws each delay from zero up to a ceiling that doubles per retry, capped at maxDelayMs', () => {
    expect([1, 2, 3].map((retry) => policy(1).delayBefore(retry))).toEqual([10, 20, 25]);
    expect([1, 2, 3].map((retry) => policy(0.5).delayBefore(retry))).toEqual([5, 10, 13]);
    expect(policy(0).delayBefore(3)).toBe(0);
  });

  it('allows no retry past its count or past its budget', () => {
    expect(policy(1).delayBefore(4)).toBeUndefined();
    expect(policy(1, 30).delayBefore(2, 5)).toBe(20);
    expect(policy(1, 30).delayBefore(2, 15)).toBeUndefined();
  });

  it('re-runs a retryable failure until it succeeds, and no more often than allowed', async () => {
    let calls = 0;
    const flaky = () => (++calls < 3 ? Promise.reject(new Error('deadlock')) : Promise.resolve('done'));
    await expect(policy(0).run(flaky, () => true)).resolves.toBe('done');
    expect(calls).toBe(3);

    calls = 0;
    await expect(
      policy(0).run(
        () => (calls++, Promise.reject(new Error('deadlock'))),
        () => true,
      ),
    ).rejects.toThrow('deadlock');
    expect(calls).toBe(4);
  });

  it('never re-runs what the caller does not call retryable', async () => {
    let calls = 0;
    await expect(
      policy(0).run(
        () => (calls++, Promise.reject(new Error('bad input'))),
        () => false,
      ),
    ).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('refuses settings that are not whole numbers', () => {
    expect(() => new RetryPolicy({ retries: -1, baseDelayMs: 1, maxDelayMs: 1 })).toThrow(/retries/);
  });
});
