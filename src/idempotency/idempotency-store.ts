/**
 * The persistence port of the idempotency layer. Its methods are the state transitions of a key;
 * the atomicity of each one lives in the store (unique index, conditional update), not in the
 * caller's `if`. The interface and its injection token share a name.
 *
 * Lifecycle: (none | minted | expired) --claim--> in_progress --complete--> completed.
 * `in_progress` exists only inside the unit of work that claimed it: if that unit does not
 * commit, the key is free again. Expiry is derived from `expiresAt`, never a stored status.
 */
export type IdempotencyStatus = 'minted' | 'in_progress' | 'completed';

export interface StoredResponse {
  status: number;
  /** Lower-case header names to values; only the headers the module is told to keep. */
  headers: Record<string, string>;
  /** The body exactly as sent, so a replay is byte-identical. */
  body: string;
}

export interface IdempotencyRecord {
  scope: string;
  key: string;
  status: IdempotencyStatus;
  purpose: string | null;
  method: string | null;
  path: string | null;
  fingerprint: string | null;
  response: StoredResponse | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface ClaimRequest {
  scope: string;
  key: string;
  method: string;
  path: string;
  fingerprint: string;
  /** The route's purpose; a key minted for another purpose is not claimed. */
  purpose: string | null;
  /** Random token naming this attempt; only its holder may complete the key. */
  owner: string;
  now: Date;
  leaseExpiresAt: Date;
  expiresAt: Date;
  /**
   * How long this claim may wait for an unfinished holder of the key, at most, before it answers
   * `busy`. The store bounds its own waiting (the claim statement's lock wait) by it, whatever the
   * database's lock wait for other statements is.
   */
  waitMs: number;
}

export type ClaimResult =
  | { outcome: 'claimed' }
  /** Someone else holds the key (or held it and finished): nothing was written. */
  | { outcome: 'existing'; record: IdempotencyRecord }
  /**
   * The key is held by an unfinished unit of work that did not let go within `waitMs`, or the claim
   * lost a deadlock to another claim of the same key. Nothing was written; try again later.
   */
  | { outcome: 'busy' };

/**
 * What a store's database error means to its caller: `transient`, the unit of work lost a race
 * and rolled back (a retry may succeed); `unavailable`, the database cannot be reached.
 */
export type StoreFault = 'transient' | 'unavailable';

/**
 * The database errors a SQL store must tell apart, as a classifier given to the module reports
 * them: `conflict` (deadlock, serialization or certification failure: the transaction rolled back),
 * `lock_wait_timeout`, `unique_violation`, `unavailable` (connection refused or lost).
 */
export type DatabaseErrorKind = 'conflict' | 'lock_wait_timeout' | 'unique_violation' | 'unavailable';

/** Sorts an error of the database driver into a `DatabaseErrorKind`, or `undefined` for any other error. */
export type DatabaseErrorClassifier = (error: unknown) => DatabaseErrorKind | undefined;

/** The fault a database error is to the caller of a store. */
export function storeFaultOf(kind: DatabaseErrorKind | undefined): StoreFault | undefined {
  if (kind === 'conflict' || kind === 'lock_wait_timeout') return 'transient';
  return kind === 'unavailable' ? 'unavailable' : undefined;
}

export interface IdempotencyStore {
  /** The latest committed record, or the caller's own uncommitted one; expired records included. */
  find(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /**
   * Runs `work` as one unit of work (a database transaction). The claim, every write the route
   * handler makes through the same transaction, and `complete` commit together or not at all.
   */
  inTransaction<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Takes the key for this request: a new key, a minted one of a matching purpose, or an expired one.
   * Must be the unit of work's first write: a claim that loses a deadlock reports `busy`, and the
   * database has then rolled back everything the unit did.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Records the final response. Fails with `LeaseLostError` unless `owner` still holds the key. */
  complete(scope: string, key: string, owner: string, response: StoredResponse, now: Date): Promise<void>;
  /** Stores a server-made key, unused yet, optionally bound to a purpose. */
  mint(record: { scope: string; key: string; purpose: string | null; now: Date; expiresAt: Date }): Promise<void>;
  /** Deletes up to `batchSize` expired keys in one short statement; returns how many went. */
  purgeExpired(now: Date, batchSize: number): Promise<number>;
  /** Whether an error of this store is worth retrying (deadlock) or means it is unreachable. */
  classifyError(error: unknown): StoreFault | undefined;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
}

export const IdempotencyStore = Symbol('IdempotencyStore');

/** Whether a record is a finished request whose answer is replayed: completed and not expired. */
export function isReplayable(record: IdempotencyRecord, now: Date): boolean {
  return record.status === 'completed' && record.expiresAt > now;
}

/**
 * Whether a claim may take an existing record: it expired, it is a minted key of this purpose (or
 * of none), or it is an in-progress claim whose lease lapsed. Stores re-check this atomically.
 */
export function isClaimable(record: IdempotencyRecord, request: Pick<ClaimRequest, 'now' | 'purpose'>): boolean {
  if (record.expiresAt <= request.now) return true;
  if (record.status === 'minted') return record.purpose === null || record.purpose === request.purpose;
  return record.status === 'in_progress' && record.leaseExpiresAt !== null && record.leaseExpiresAt <= request.now;
}
