import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The part of better-sqlite3 (a dependency already, for the embedded database) used here; it ships no types. */
interface Statement {
  get(...parameters: unknown[]): unknown;
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): unknown;
}
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  transaction<T>(fn: () => T): { immediate(): T };
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (path: string) => SqliteDatabase;

export interface TransferRequest {
  amount: number;
  currency: string;
  bank_account: string;
  reference: string;
}

export interface BankTransfer extends TransferRequest {
  id: string;
  object: 'bank_transfer';
  status: 'paid' | 'declined';
  failure_code: string | null;
  created_at: string;
}

export type Recorded =
  | { kind: 'created' | 'repeated'; transfer: BankTransfer }
  /** The key was first used with another request. */
  | { kind: 'mismatch' };

/**
 * The simulated bank's books: one SQLite file, so tests can count exactly what it paid, and so
 * several simulator processes (the API's in-process bank and a worker's) may share one bank.
 * A transfer is recorded with its `Idempotency-Key`; a repeat of the key returns the first one.
 */
export class BankSimulatorStore {
  private readonly db: SqliteDatabase;

  constructor(file: string) {
    const path = file === ':memory:' ? file : resolve(file);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS transfers (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      idempotency_key TEXT NOT NULL UNIQUE,
      request_hash TEXT NOT NULL,
      reference TEXT NOT NULL,
      amount INTEGER NOT NULL,
      currency TEXT NOT NULL,
      bank_account TEXT NOT NULL,
      status TEXT NOT NULL,
      failure_code TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ix_transfers_reference ON transfers (reference);`);
  }

  /**
   * Acts on a transfer at most once per key: in one IMMEDIATE transaction (a write lock on the file,
   * so two processes cannot both see the key absent), return the key's transfer or record a new one.
   */
  record(key: string, request: TransferRequest, decline: string | null): Recorded {
    const hash = createHash('sha256')
      .update(JSON.stringify([request.amount, request.currency, request.bank_account, request.reference]))
      .digest('hex');
    const run = this.db.transaction((): Recorded => {
      const existing = this.db.prepare('SELECT * FROM transfers WHERE idempotency_key = ?').get(key) as Row | undefined;
      if (existing) return existing.request_hash === hash ? { kind: 'repeated', transfer: present(existing) } : { kind: 'mismatch' };
      const row: Row = {
        id: `btr_${randomBytes(12).toString('base64url')}`,
        idempotency_key: key,
        request_hash: hash,
        reference: request.reference,
        amount: request.amount,
        currency: request.currency,
        bank_account: request.bank_account,
        status: decline ? 'declined' : 'paid',
        failure_code: decline,
        created_at: new Date().toISOString(),
      };
      this.db
        .prepare(
          `INSERT INTO transfers (id, idempotency_key, request_hash, reference, amount, currency, bank_account, status, failure_code, created_at)
           VALUES (@id, @idempotency_key, @request_hash, @reference, @amount, @currency, @bank_account, @status, @failure_code, @created_at)`,
        )
        .run(row);
      return { kind: 'created', transfer: present(row) };
    });
    return run.immediate();
  }

  byId(id: string): BankTransfer | undefined {
    const row = this.db.prepare('SELECT * FROM transfers WHERE id = ?').get(id) as Row | undefined;
    return row && present(row);
  }

  byReference(reference: string): BankTransfer[] {
    return (this.db.prepare('SELECT * FROM transfers WHERE reference = ? ORDER BY seq').all(reference) as Row[]).map(present);
  }

  /** What the bank did in total: what tests compare with the API's books. */
  stats() {
    const totals = this.db
      .prepare(
        `SELECT COUNT(*) AS transfers,
                COALESCE(SUM(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), 0) AS paid_count,
                COALESCE(SUM(CASE WHEN status = 'paid' THEN amount ELSE 0 END), 0) AS paid_total,
                COALESCE(SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END), 0) AS declined_count
           FROM transfers`,
      )
      .get() as Record<string, number>;
    const duplicates = this.db
      .prepare('SELECT COUNT(*) AS n FROM (SELECT reference FROM transfers GROUP BY reference HAVING COUNT(*) > 1)')
      .get() as { n: number };
    return { ...totals, duplicate_references: duplicates.n };
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  id: string;
  idempotency_key: string;
  request_hash: string;
  reference: string;
  amount: number;
  currency: string;
  bank_account: string;
  status: 'paid' | 'declined';
  failure_code: string | null;
  created_at: string;
}

function present(row: Row): BankTransfer {
  return {
    id: row.id,
    object: 'bank_transfer',
    amount: Number(row.amount),
    currency: row.currency,
    bank_account: row.bank_account,
    reference: row.reference,
    status: row.status,
    failure_code: row.failure_code,
    created_at: row.created_at,
  };
}
