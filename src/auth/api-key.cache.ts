/** What authentication needs to know of a key, as read from the database (never the secret). */
export interface KeyRecord {
  id: string;
  clientId: string;
  clientName: string;
  keyHash: string;
  readOnly: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const MAX_ENTRIES = 10_000;

interface Entry {
  record: KeyRecord | undefined;
  fetchStartedAtMs: number;
}

/**
 * Per-process cache of key lookups by secret hash, so that a busy client costs no query per
 * request. Unknown keys are cached as well (as `undefined`): an unknown, a revoked and an expired
 * key then take the same path, cached or not, and answer in the same time.
 *
 * Why revocation is honoured within `ttlMs`: an entry is stamped with the moment its query
 * *started*, not when it returned. A lookup that started after a revocation committed reads the
 * revoked row; one that started before is older than the commit and is dropped `ttlMs` after its
 * start, so no request arriving `ttlMs` after the commit is answered from a pre-revocation read.
 * Expiry needs no such bound: `expiresAt` is part of the entry and compared with the clock on
 * every request.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  /** Lookups that started before the last local invalidation are not stored (they may predate the change). */
  private invalidatedAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly ttlMs: number,
    private readonly nowMs: () => number = () => performance.now(),
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  /** A fresh entry (`{ record }`, the record `undefined` for an unknown key), or `undefined` on a miss. */
  get(hash: string): { record: KeyRecord | undefined } | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (this.nowMs() - entry.fetchStartedAtMs >= this.ttlMs) {
      this.entries.delete(hash);
      return undefined;
    }
    return { record: entry.record };
  }

  /** The moment to pass to `set` for a lookup about to start. */
  startLookup(): number {
    return this.nowMs();
  }

  set(hash: string, record: KeyRecord | undefined, fetchStartedAtMs: number): void {
    if (this.ttlMs <= 0 || fetchStartedAtMs <= this.invalidatedAtMs) return;
    this.entries.delete(hash); // re-inserted last: the Map's order is the eviction order
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { record, fetchStartedAtMs });
  }

  /** Forgets a key changed by this process (created, rotated, revoked), at once. */
  invalidate(hash: string): void {
    this.invalidatedAtMs = this.nowMs();
    this.entries.delete(hash);
  }

  get size(): number {
    return this.entries.size;
  }
}
