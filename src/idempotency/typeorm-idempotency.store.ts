import { Inject, Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { IDEMPOTENCY_MODULE_OPTIONS } from './idempotency.module-definition';
import type { IdempotencyModuleOptions } from './idempotency.options';
import {
  AdvanceRequest,
  ClaimRequest,
  ClaimResult,
  DatabaseErrorClassifier,
  IdempotencyRecord,
  IdempotencyStore,
  isClaimable,
  StoreFault,
  storeFaultOf,
  StoredResponse,
} from './idempotency-store';
import { LeaseLostError } from './idempotency.errors';
import { idempotencyOptionProblems } from './resolved-options';
import { transactionQuery, transactionWrite } from './transaction-sql';

interface KeyRow {
  scope: string;
  idempotency_key: string;
  status: IdempotencyRecord['status'];
  purpose: string | null;
  method: string | null;
  path: string | null;
  fingerprint: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
  recovery_point?: string | null;
  resume_state?: string | null;
  request_body?: string | null;
  created_at: Date | string;
  expires_at: Date | string;
}

/**
 * The idempotency store over the `idempotency_keys` table, through the TypeORM DataSource and the
 * transaction that `@nestjs-cls/transactional` holds for the request. Plain SQL keeps every
 * transition to one statement (an extra round trip is the cost users feel).
 *
 * Why a concurrent duplicate can never run: the claim is an INSERT into a unique index inside the
 * request's transaction. On MySQL/MariaDB (InnoDB) a second INSERT of the same (scope, key) blocks
 * on the first one's uncommitted row until it commits (the second then sees a duplicate and replays)
 * or rolls back (the second then takes the key). The claim's statements, and only they, carry
 * their own lock wait, the whole seconds left of the caller's `waitMs` (MariaDB `SET STATEMENT`;
 * MySQL a session value set around them): after it, or after losing a deadlock to another claim of
 * the key, the answer is "busy" and the caller looks again until its deadline. Every other
 * statement of the transaction keeps the database's own lock wait. On SQLite the application
 * serializes write transactions, so the second one starts after the first ended.
 */
@Injectable()
export class TypeOrmIdempotencyStore implements IdempotencyStore {
  private readonly table: string;
  private readonly jobsTable: string;
  private readonly sqlite: boolean;
  private readonly classify: DatabaseErrorClassifier;
  private mariadb?: Promise<boolean>;

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly dataSource: DataSource,
    @Inject(IDEMPOTENCY_MODULE_OPTIONS) options: IdempotencyModuleOptions,
  ) {
    if (!options.classifyError) {
      throw new Error(
        'TypeOrmIdempotencyStore needs the classifyError option of IdempotencyModule.forRoot(): a function sorting your ' +
          "driver's errors into 'unique_violation', 'lock_wait_timeout', 'conflict' (deadlock) and 'unavailable'.",
      );
    }
    this.classify = options.classifyError;
    this.sqlite = dataSource.options.type === 'better-sqlite3';
    this.table = idempotencyTableName(this.sqlite ? undefined : options.schema);
    this.jobsTable = this.table.replace(/idempotency_keys$/, 'idempotency_jobs');
  }

  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const rows = await transactionQuery<KeyRow[]>(this.txHost.tx, `SELECT * FROM ${this.table} WHERE scope = ? AND idempotency_key = ?`, [
      scope,
      key,
    ]);
    return rows.length ? this.toRecord(rows[0]) : null;
  }

  inTransaction<T>(work: () => Promise<T>): Promise<T> {
    return this.txHost.withTransaction(work);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return await this.insertOrTakeOver(request);
    } catch (error) {
      // The claim waited out its bound (InnoDB undid the statement), or lost a deadlock to another
      // claim of the same key (InnoDB undid the transaction, in which the claim is the first write).
      const kind = this.classify(error);
      if (kind === 'lock_wait_timeout' || kind === 'conflict') return { outcome: 'busy' };
      throw error;
    }
  }

  private async insertOrTakeOver(request: ClaimRequest): Promise<ClaimResult> {
    try {
      await this.runWaiting(
        request.waitMs,
        `INSERT INTO ${this.table} (scope, idempotency_key, status, purpose, method, path, fingerprint,
           lease_owner, lease_expires_at, created_at, expires_at)
         VALUES (?, ?, 'in_progress', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          request.scope,
          request.key,
          request.purpose,
          request.method,
          request.path,
          request.fingerprint,
          request.owner,
          this.toDb(request.leaseExpiresAt),
          this.toDb(request.now),
          this.toDb(request.expiresAt),
        ],
      );
      return { outcome: 'claimed' };
    } catch (error) {
      if (this.classify(error) !== 'unique_violation') throw error;
    }
    return this.takeOver(request);
  }

  /**
   * The row exists (and is committed, or we waited for it): take it only if it is expired, a minted
   * key of this purpose, or a lease its holder let lapse. The condition is re-checked by the UPDATE
   * under the row lock, so two requests can never both take it.
   *
   * Why look first, without a lock: every duplicate whose INSERT failed holds a shared lock on the
   * row; if each then asked for the exclusive lock an UPDATE needs, InnoDB would have to kill all
   * but one of them as deadlocked. A finished key (the common case) is answered by this read alone.
   */
  private async takeOver(request: ClaimRequest): Promise<ClaimResult> {
    const current = await this.find(request.scope, request.key);
    if (!current) return this.insertOrTakeOver(request); // purged between our two statements: claim it afresh
    if (!isClaimable(current, request)) return { outcome: 'existing', record: current };
    const now = this.toDb(request.now);
    // MySQL evaluates SET assignments left to right on the updated row: the CASEs must read the
    // old status, so they come before `status` is assigned.
    const { affected } = await this.runWaiting(
      request.waitMs,
      `UPDATE ${this.table}
          SET purpose = CASE WHEN status = 'minted' AND expires_at > ? THEN purpose ELSE ? END,
              created_at = CASE WHEN status = 'minted' AND expires_at > ? THEN created_at ELSE ? END,
              status = 'in_progress', method = ?, path = ?, fingerprint = ?, lease_owner = ?,
              lease_expires_at = ?, expires_at = ?, response_status = NULL, response_headers = NULL,
              response_body = NULL
        WHERE scope = ? AND idempotency_key = ?
          AND (expires_at <= ?
               OR (status = 'minted' AND (purpose IS NULL OR purpose = ?))
               OR (status = 'in_progress' AND lease_expires_at <= ?))
          AND NOT (status = 'in_progress' AND recovery_point IS NOT NULL)`,
      [
        now,
        request.purpose,
        now,
        now,
        request.method,
        request.path,
        request.fingerprint,
        request.owner,
        this.toDb(request.leaseExpiresAt),
        this.toDb(request.expiresAt),
        request.scope,
        request.key,
        now,
        request.purpose,
        now,
      ],
    );
    if (affected === 1) return { outcome: 'claimed' };
    const record = await this.find(request.scope, request.key);
    return record ? { outcome: 'existing', record } : this.insertOrTakeOver(request);
  }

  async complete(scope: string, key: string, owner: string, response: StoredResponse, now: Date): Promise<void> {
    const { affected } = await this.run(
      `UPDATE ${this.table}
          SET status = 'completed', response_status = ?, response_headers = ?, response_body = ?,
              lease_owner = NULL, lease_expires_at = NULL
        WHERE scope = ? AND idempotency_key = ? AND lease_owner = ? AND lease_expires_at > ?`,
      [response.status, JSON.stringify(response.headers), response.body, scope, key, owner, this.toDb(now)],
    );
    if (affected !== 1) throw new LeaseLostError();
  }

  async mint(record: { scope: string; key: string; purpose: string | null; now: Date; expiresAt: Date }): Promise<void> {
    await this.run(
      `INSERT INTO ${this.table} (scope, idempotency_key, status, purpose, created_at, expires_at)
       VALUES (?, ?, 'minted', ?, ?, ?)`,
      [record.scope, record.key, record.purpose, this.toDb(record.now), this.toDb(record.expiresAt)],
    );
  }

  /**
   * Two short statements instead of one `DELETE … LIMIT` (SQLite lacks it; MySQL cannot LIMIT a
   * subquery): pick the oldest expired ids, then delete those still expired. Each batch locks at
   * most `batchSize` rows for one statement, so live traffic never queues behind the purge.
   */
  async purgeExpired(now: Date, batchSize: number): Promise<number> {
    const rows: Array<{ id: number | string }> = await this.txHost.tx.query(
      `SELECT id FROM ${this.table} WHERE expires_at <= ? AND NOT (status = 'in_progress' AND recovery_point IS NOT NULL)
        ORDER BY expires_at LIMIT ${Number(batchSize)}`,
      [this.toDb(now)],
    );
    if (!rows.length) return 0;
    const ids = rows.map((row) => row.id);
    const { affected } = await this.run(`DELETE FROM ${this.table} WHERE id IN (${ids.map(() => '?').join(',')}) AND expires_at <= ?`, [
      ...ids,
      this.toDb(now),
    ]);
    return affected ?? 0;
  }

  /**
   * One row per job; the lease moves by a conditional UPDATE, so two processes can never both hold
   * it. On a Galera cluster two nodes updating the row at once are decided by certification: the
   * loser's write fails as a deadlock, which here means "someone else has it".
   */
  async leaseJob(job: string, owner: string, now: Date, leaseExpiresAt: Date): Promise<boolean> {
    try {
      await this.run(`INSERT ${this.sqlite ? 'OR IGNORE' : 'IGNORE'} INTO ${this.jobsTable} (name, owner, lease_expires_at) VALUES (?, NULL, NULL)`, [
        job,
      ]);
      const { affected } = await this.run(
        `UPDATE ${this.jobsTable} SET owner = ?, lease_expires_at = ?
          WHERE name = ? AND (owner IS NULL OR owner = ? OR lease_expires_at <= ?)`,
        [owner, this.toDb(leaseExpiresAt), job, owner, this.toDb(now)],
      );
      return affected === 1;
    } catch (error) {
      if (this.classify(error) === 'conflict') return false;
      throw error;
    }
  }

  async advance(request: AdvanceRequest): Promise<void> {
    const { affected } = await this.run(
      `UPDATE ${this.table}
          SET recovery_point = ?, resume_state = ?, request_body = COALESCE(?, request_body), lease_expires_at = ?
        WHERE scope = ? AND idempotency_key = ? AND status = 'in_progress' AND lease_owner = ? AND lease_expires_at > ?`,
      [
        request.recoveryPoint,
        request.resumeState,
        request.requestBody ?? null,
        this.toDb(request.leaseExpiresAt),
        request.scope,
        request.key,
        request.owner,
        this.toDb(request.now),
      ],
    );
    if (affected !== 1) throw new LeaseLostError();
  }

  async finish(scope: string, key: string, owner: string, response: StoredResponse, now: Date): Promise<void> {
    const { affected } = await this.run(
      `UPDATE ${this.table}
          SET status = 'completed', recovery_point = 'finished', response_status = ?, response_headers = ?, response_body = ?,
              lease_owner = NULL, lease_expires_at = NULL
        WHERE scope = ? AND idempotency_key = ? AND status = 'in_progress' AND lease_owner = ? AND lease_expires_at > ?`,
      [response.status, JSON.stringify(response.headers), response.body, scope, key, owner, this.toDb(now)],
    );
    if (affected !== 1) throw new LeaseLostError();
  }

  /**
   * One conditional UPDATE: of two resumers (client retries, completers) racing for a lapsed lease,
   * the row lock lets one through and the other re-reads a lease that is no longer lapsed.
   */
  async acquire(scope: string, key: string, owner: string, now: Date, leaseExpiresAt: Date): Promise<boolean> {
    const { affected } = await this.run(
      `UPDATE ${this.table} SET lease_owner = ?, lease_expires_at = ?
        WHERE scope = ? AND idempotency_key = ? AND status = 'in_progress' AND recovery_point IS NOT NULL
          AND (lease_expires_at IS NULL OR lease_expires_at <= ?)`,
      [owner, this.toDb(leaseExpiresAt), scope, key, this.toDb(now)],
    );
    return affected === 1;
  }

  async release(scope: string, key: string, owner: string, now: Date): Promise<void> {
    await this.run(
      `UPDATE ${this.table} SET lease_owner = NULL, lease_expires_at = ?
        WHERE scope = ? AND idempotency_key = ? AND status = 'in_progress' AND lease_owner = ?`,
      [this.toDb(now), scope, key, owner],
    );
  }

  async findUnfinished(idleSince: Date, limit: number): Promise<IdempotencyRecord[]> {
    const rows: KeyRow[] = await this.txHost.tx.query(
      `SELECT * FROM ${this.table}
        WHERE recovery_point IS NOT NULL AND status = 'in_progress' AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
        ORDER BY lease_expires_at LIMIT ${Number(limit)}`,
      [this.toDb(idleSince)],
    );
    return rows.map((row) => this.toRecord(row));
  }

  classifyError(error: unknown): StoreFault | undefined {
    return storeFaultOf(this.classify(error));
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * A claim statement whose lock wait is bounded by the whole seconds left of the caller's wait
   * (0: fail at once if the row is locked), so that the caller, polling until its deadline, never
   * waits much past it. The bound applies to this statement only.
   */
  private async runWaiting(waitMs: number, sql: string, parameters: unknown[]): Promise<{ affected: number | undefined }> {
    if (this.sqlite) return this.run(sql, parameters);
    const seconds = Math.floor(Math.max(0, waitMs) / 1000);
    if (await this.isMariaDb()) return this.run(`SET STATEMENT innodb_lock_wait_timeout = ${seconds} FOR ${sql}`, parameters);
    // MySQL has no per-statement form for this variable: set it around the statement, on its connection.
    const runner = this.txHost.tx.queryRunner;
    if (!runner) return this.run(sql, parameters); // outside a unit of work there is nothing to wait for
    await runner.query(`SET @idempotency_lock_wait = @@innodb_lock_wait_timeout, SESSION innodb_lock_wait_timeout = ${Math.max(1, seconds)}`);
    try {
      return await this.run(sql, parameters);
    } finally {
      await runner.query('SET SESSION innodb_lock_wait_timeout = @idempotency_lock_wait');
    }
  }

  /**
   * Asked once: MariaDB has `SET STATEMENT`, MySQL has not (TypeORM keeps only the version number).
   * Asked on the caller's own connection, which inside a unit of work is the transaction's: the
   * first claims run inside transactions that each hold a pooled connection, and had they asked
   * for one more, a burst of first requests as large as the pool would hold every connection while
   * waiting for another, and the pool would never hand one out again.
   */
  private isMariaDb(): Promise<boolean> {
    this.mariadb ??= this.txHost.tx
      .query('SELECT VERSION() AS version')
      .then((rows: Array<{ version: string }>) => /mariadb/i.test(rows[0]?.version ?? ''))
      .catch((error) => {
        this.mariadb = undefined; // ask again next time
        throw error;
      });
    return this.mariadb;
  }

  /** Runs a write in the current transaction, or on a connection of its own, and reports rows changed. */
  private async run(sql: string, parameters: unknown[]): Promise<{ affected: number | undefined }> {
    if (this.txHost.isTransactionActive()) return { affected: await transactionWrite(this.txHost.tx, sql, parameters) };
    const runner = this.dataSource.createQueryRunner();
    try {
      return { affected: (await runner.query(sql, parameters, true)).affected };
    } finally {
      await runner.release();
    }
  }

  private toDb(date: Date): Date | string {
    // mysql2 writes a Date in the pool's time zone (UTC here); better-sqlite3 cannot bind one.
    return this.sqlite ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
  }

  private fromDb(value: Date | string): Date {
    return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
  }

  private toRecord(row: KeyRow): IdempotencyRecord {
    return {
      scope: row.scope,
      key: row.idempotency_key,
      status: row.status,
      purpose: row.purpose,
      method: row.method,
      path: row.path,
      fingerprint: row.fingerprint,
      response:
        row.response_status === null
          ? null
          : {
              status: Number(row.response_status),
              headers: JSON.parse(row.response_headers ?? '{}'),
              body: row.response_body ?? '',
            },
      leaseOwner: row.lease_owner,
      leaseExpiresAt: row.lease_expires_at === null ? null : this.fromDb(row.lease_expires_at),
      recoveryPoint: row.recovery_point ?? null,
      resumeState: row.resume_state ?? null,
      requestBody: row.request_body ?? null,
      createdAt: this.fromDb(row.created_at),
      expiresAt: this.fromDb(row.expires_at),
    };
  }
}

/** `idempotency_keys`, qualified by its own schema (MySQL database) when one is configured. */
export function idempotencyTableName(schema?: string): string {
  const [problem] = idempotencyOptionProblems({ schema });
  if (problem) throw new Error(`IdempotencyModule: schema ${problem.problem}.`);
  return schema ? `${schema}.idempotency_keys` : 'idempotency_keys';
}
