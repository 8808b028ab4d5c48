import { CompletedKeysCache } from './completed-keys.cache';
import type { IdempotencyRecord } from './idempotency-store';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function completed(key: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    scope: 'cli_1',
    key,
    status: 'completed',
    purpose: null,
    method: 'POST',
    path: '/v1/transfers',
    fingerprint: 'fp',
    response: { status: 201, headers: { location: '/v1/transfers/tr_1' }, body: '{"id":"tr_1"}' },
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: T0,
    expiresAt: at(60),
    ...overrides,
  };
}

describe('CompletedKeysCache', () => {
  it('answers a completed key by scope, key and fingerprint until it expires, then forgets it', () => {
    const cache = new CompletedKeysCache(10);
    cache.add(completed('k1'));
    expect(cache.get('cli_1', 'k1', 'fp', at(59))?.response?.body).toBe('{"id":"tr_1"}');
    expect(cache.get('cli_2', 'k1', 'fp', at(1))).toBeUndefined();
    expect(cache.get('cli_1', 'k1', 'other body', at(1))).toBeUndefined();
    expect(cache.get('cli_1', 'k1', 'fp', at(60))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps only completed records with a response, and a copy of them', () => {
    const cache = new CompletedKeysCache(10);
    cache.add(completed('minted', { status: 'minted', response: null }));
    cache.add(completed('running', { status: 'in_progress', response: null }));
    const record = completed('k1');
    cache.add(record);
    record.response!.headers.location = 'changed';
    expect(cache.size).toBe(1);
    expect(cache.get('cli_1', 'k1', 'fp', at(1))?.response?.headers.location).toBe('/v1/transfers/tr_1');
  });

  it('holds at most its capacity, evicting the least recently used', () => {
    const cache = new CompletedKeysCache(2);
    cache.add(completed('a'));
    cache.add(completed('b'));
    cache.get('cli_1', 'a', 'fp', at(1));
    cache.add(completed('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('cli_1', 'b', 'fp', at(1))).toBeUndefined();
    expect(cache.get('cli_1', 'a', 'fp', at(1))).toBeDefined();
    expect(cache.get('cli_1', 'c', 'fp', at(1))).toBeDefined();
  });

  it('drops expired entries when the purge runs, and caches nothing with capacity 0', () => {
    const cache = new CompletedKeysCache(10);
    cache.add(completed('short', { expiresAt: at(5) }));
    cache.add(completed('long', { expiresAt: at(500) }));
    expect(cache.evictExpired(at(10))).toBe(1);
    expect(cache.size).toBe(1);
    const off = new CompletedKeysCache(0);
    off.add(completed('k1'));
    expect(off.get('cli_1', 'k1', 'fp', at(1))).toBeUndefined();
  });
});
