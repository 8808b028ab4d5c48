import type { IdempotencyRecord } from './idempotency-store';

/** Responses larger than this are not kept in memory (they are replayed from the store). */
const MAX_CACHED_BODY_CHARS = 64 * 1024;

/**
 * Completed keys of this process, so that a replay needs no SQL. A completed key's answer never
 * changes until it expires: the store only lets a claim take a completed key once `expiresAt` has
 * passed, and the purge only deletes expired keys. So an entry is served while `expiresAt` is
 * ahead of the clock and dropped after. Entries are found by scope, key and fingerprint: a request
 * with another body misses and goes to the store, which answers it (422) as before.
 *
 * Bounded: at most `capacity` entries, the least recently used evicted first. Only completed
 * records with a stored response are kept, copied when added.
 */
export class CompletedKeysCache {
  private readonly entries = new Map<string, IdempotencyRecord>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The completed record for this request, if this process knows it and it has not expired at `now`. */
  get(scope: string, key: string, fingerprint: string, now: Date): IdempotencyRecord | undefined {
    if (this.capacity <= 0) return undefined;
    const id = entryId(scope, key, fingerprint);
    const record = this.entries.get(id);
    if (!record) return undefined;
    this.entries.delete(id);
    if (record.expiresAt <= now) return undefined;
    this.entries.set(id, record); // most recently used last
    return record;
  }

  /** Remembers a completed, committed record (anything else is ignored). */
  add(record: IdempotencyRecord): void {
    if (this.capacity <= 0 || record.status !== 'completed' || !record.response || record.fingerprint === null) return;
    if (record.response.body.length > MAX_CACHED_BODY_CHARS) return;
    const id = entryId(record.scope, record.key, record.fingerprint);
    this.entries.delete(id);
    this.entries.set(id, {
      ...record,
      response: { ...record.response, headers: { ...record.response.headers } },
    });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops every entry expired at `now` (run with the purge, so memory follows the table). */
  evictExpired(now: Date): number {
    let evicted = 0;
    for (const [id, record] of this.entries) {
      if (record.expiresAt <= now) {
        this.entries.delete(id);
        evicted++;
      }
    }
    return evicted;
  }

  clear(): void {
    this.entries.clear();
  }
}

function entryId(scope: string, key: string, fingerprint: string): string {
  return `${scope}\u0000${key}\u0000${fingerprint}`;
}
