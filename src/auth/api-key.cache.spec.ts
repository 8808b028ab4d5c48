import { ApiKeyCache, KeyRecord } from './api-key.cache';

const record: KeyRecord = {
  id: 'key_a',
  clientId: 'cli_a',
  clientName: 'acme',
  keyHash: 'ab'.repeat(32),
  readOnly: false,
  expiresAt: null,
  revokedAt: null,
};

describe('ApiKeyCache', () => {
  let now: number;
  const cache = (ttlMs = 5_000, maxEntries?: number) => new ApiKeyCache(ttlMs, () => now, maxEntries);
  beforeEach(() => (now = 1_000));

  it('answers from a lookup younger than its lifetime, and forgets it at the lifetime', () => {
    const keys = cache();
    keys.set('h', record, keys.startLookup());
    now += 4_999;
    expect(keys.get('h')).toEqual({ record });
    now += 1;
    expect(keys.get('h')).toBeUndefined();
    expect(keys.size).toBe(0);
  });

  it('caches an unknown key as such, so unknown and known keys take the same path', () => {
    const keys = cache();
    keys.set('h', undefined, keys.startLookup());
    expect(keys.get('h')).toEqual({ record: undefined });
  });

  it('ages an entry from when its query started, not when it returned', () => {
    const keys = cache();
    const startedAt = keys.startLookup();
    now += 3_000; // a slow query
    keys.set('h', record, startedAt);
    now += 2_000;
    expect(keys.get('h')).toBeUndefined();
  });

  it('does not store a lookup that started before a local change to a key', () => {
    const keys = cache();
    const startedAt = keys.startLookup();
    now += 10;
    keys.invalidate('h');
    now += 10;
    keys.set('h', undefined, startedAt);
    expect(keys.get('h')).toBeUndefined();
    keys.set('h', record, keys.startLookup());
    expect(keys.get('h')).toEqual({ record });
  });

  it('forgets an invalidated key at once', () => {
    const keys = cache();
    keys.set('h', record, keys.startLookup());
    keys.invalidate('h');
    expect(keys.get('h')).toBeUndefined();
  });

  it('stores nothing when its lifetime is 0', () => {
    const keys = cache(0);
    keys.set('h', record, keys.startLookup());
    expect(keys.get('h')).toBeUndefined();
    expect(keys.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently stored', () => {
    const keys = cache(5_000, 2);
    keys.set('a', record, keys.startLookup());
    keys.set('b', record, keys.startLookup());
    keys.set('c', record, keys.startLookup());
    expect(keys.size).toBe(2);
    expect(keys.get('a')).toBeUndefined();
    expect(keys.get('b')).toBeDefined();
    expect(keys.get('c')).toBeDefined();
  });
});
