import type { Connection } from 'mysql2/promise';

/**
 * What a keyed transfer has written, uncommitted, by the time it waits for its accounts' row locks
 * (taken last, see `LedgerService.post`): its key claim, the transfer, its `transfer.created`
 * event and its two ledger entries.
 */
export const TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS = 5;

/** A transaction of the observed database that is waiting for a row lock. */
export interface LockWait {
  thread: number;
  /** Rows the transaction has written so far (uncommitted). */
  rowsModified: number;
  query: string | null;
  /** The key of the row it waits for, as the server writes it (`'acct_…'`), where known. */
  lockData: string | null;
}

/** Whether the row a lock wait is for has `key` (an id, an idempotency key) in its index entry. */
function waitsForRow(wait: LockWait, key: string): boolean {
  return wait.lockData?.includes(`'${key}'`) ?? false;
}

/**
 * Whether a lock wait concerns `fragment` (an id, a key): its statement names it, or the row it
 * waits for is it. A prepared statement shows `?` where its values are; the row's key still names it.
 */
export function concerns(wait: LockWait, fragment: string): boolean {
  return (wait.query?.includes(fragment) ?? false) || waitsForRow(wait, fragment);
}

/**
 * Polls until `probe` returns a value, or fails naming `what` after `timeoutMs`. The interval is
 * above 100 ms on purpose: InnoDB refreshes its information_schema.innodb_trx cache only when it
 * has not been read for 100 ms, so faster polling would keep reading the same stale snapshot.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The database (schema) name of a `mysql://…/name` URL. */
export function schemaOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}

/**
 * Looks at one MySQL/MariaDB database from the side, over the test's own connections (`own`, left
 * out of every answer): what the server processes' transactions are waiting for, and what is stored.
 */
export class MysqlObserver {
  constructor(
    private readonly sql: Connection,
    private readonly schema: string,
    private readonly own: Connection[],
  ) {}

  /**
   * Transactions of other connections on this database that wait for a lock, oldest first, with the
   * key of the row each waits for (MariaDB's innodb_locks; empty where the server has no such table).
   */
  async lockWaits(): Promise<LockWait[]> {
    const waits = `SELECT t.trx_mysql_thread_id AS thread, t.trx_rows_modified AS rowsModified, t.trx_query AS query, %LOCK%
         FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id %JOIN%
        WHERE t.trx_state = 'LOCK WAIT' AND p.db = ? AND p.id NOT IN (?)
        ORDER BY t.trx_wait_started, t.trx_id`;
    const parameters = [this.schema, this.ownThreads()];
    let rows: any[];
    try {
      [rows] = await this.sql.query<any[]>(
        waits
          .replace('%LOCK%', 'l.lock_data AS lockData, l.lock_table AS lockTable, l.lock_index AS lockIndex')
          .replace('%JOIN%', 'LEFT JOIN information_schema.innodb_locks l ON l.lock_id = t.trx_requested_lock_id'),
        parameters,
      );
    } catch {
      [rows] = await this.sql.query<any[]>(waits.replace('%LOCK%', 'NULL AS lockData').replace('%JOIN%', ''), parameters);
    }
    return Promise.all(
      rows.map(async (row) => ({
        thread: Number(row.thread),
        rowsModified: Number(row.rowsModified),
        query: row.query,
        lockData: await this.rowKey(row.lockData ?? null, row.lockTable, row.lockIndex),
      })),
    );
  }

  /**
   * The key a locked row is known by: as the server names it, or, for a row locked by its numeric
   * primary key (`seq`, where the rows' ids are a unique secondary key), its `id` as `'acct_…'`.
   */
  private async rowKey(lockData: string | null, table: string | undefined, index: string | undefined): Promise<string | null> {
    if (lockData === null || index !== 'PRIMARY' || !/^\d+$/.test(lockData) || !table) return lockData;
    try {
      const [rows] = await this.sql.query<any[]>(`SELECT id FROM ${table} WHERE seq = ?`, [lockData]);
      return rows.length ? `'${rows[0].id}'` : lockData;
    } catch {
      return lockData; // a table without seq and id columns
    }
  }

  /**
   * Resolves with the first lock wait of this test: its statement contains every one of `fragments`
   * (ids, a key), or the row it waits for is one of them. A prepared statement shows `?` where its
   * values are; the awaited row's key still names it. Matching on content, not on a count, keeps a
   * stale innodb_trx snapshot of an earlier test from passing for the awaited one.
   */
  lockWaitOf(what: string, ...fragments: string[]): Promise<LockWait> {
    return eventually(what, async () =>
      (await this.lockWaits()).find(
        (wait) =>
          (wait.query !== null && fragments.every((fragment) => wait.query!.includes(fragment))) ||
          fragments.some((fragment) => waitsForRow(wait, fragment)),
      ),
    );
  }

  /** Resolves once no connection but the test's own is open on the database (a dead server's included). */
  othersGone(what: string): Promise<true> {
    return eventually(what, async () => {
      const [rows] = await this.sql.query<any[]>('SELECT id FROM information_schema.processlist WHERE db = ? AND id NOT IN (?)', [
        this.schema,
        this.ownThreads(),
      ]);
      return rows.length === 0 ? true : undefined;
    });
  }

  /** What a connection is executing now (processlist, which, unlike innodb_trx, is never a cached snapshot). */
  async runningQuery(thread: number): Promise<string | null> {
    const [rows] = await this.sql.query<any[]>('SELECT info FROM information_schema.processlist WHERE id = ?', [thread]);
    return rows[0]?.info ?? null;
  }

  async count(table: string, where: string, parameters: unknown[]): Promise<number> {
    const [rows] = await this.sql.query<any[]>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, parameters);
    return Number(rows[0].n);
  }

  /** Every account's ledger total, by account id. */
  async ledgerTotals(): Promise<Record<string, number>> {
    const [rows] = await this.sql.query<any[]>('SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id');
    return Object.fromEntries(rows.map((row) => [row.account_id, Number(row.total)]));
  }

  private ownThreads(): number[] {
    return [this.sql, ...this.own].map((connection) => connection.threadId!);
  }
}
