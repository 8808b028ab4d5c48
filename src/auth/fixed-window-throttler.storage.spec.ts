import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage';

describe('FixedWindowThrottlerStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('counts hits in a window and blocks past the limit until the window ends', async () => {
    const storage = new FixedWindowThrottlerStorage();
    const hit = () => storage.increment('client:a', 60_000, 3, 0, 'default');
    for (let i = 1; i <= 3; i++) expect(await hit()).toMatchObject({ totalHits: i, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });

    jest.advanceTimersByTime(30_000);
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });

    jest.advanceTimersByTime(30_000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps one budget per key', async () => {
    const storage = new FixedWindowThrottlerStorage();
    await storage.increment('client:a', 60_000, 1, 0, 'default');
    expect(await storage.increment('client:a', 60_000, 1, 0, 'default')).toMatchObject({ isBlocked: true });
    expect(await storage.increment('client:b', 60_000, 1, 0, 'default')).toMatchObject({ isBlocked: false });
  });
});
