import { retryDelayMs } from './retry-schedule';

describe('retryDelayMs', () => {
  const schedule = { retryBaseMs: 5_000, retryCapMs: 3_600_000 };

  it('the first retry comes within the base delay, at least half of it', () => {
    expect(retryDelayMs(1, schedule, () => 0)).toBe(2_500);
    expect(retryDelayMs(1, schedule, () => 1 - Number.EPSILON)).toBe(5_000);
  });

  it('doubles per attempt and stops at the cap', () => {
    const upper = (n: number) => retryDelayMs(n, schedule, () => 1 - Number.EPSILON);
    expect([1, 2, 3, 4].map(upper)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(upper(20)).toBe(3_600_000);
    expect(upper(10_000)).toBe(3_600_000);
  });

  it('jitter spreads delays over the upper half of the step', () => {
    const delays = Array.from({ length: 50 }, () => retryDelayMs(3, schedule));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20_000);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});
