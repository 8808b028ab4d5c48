import type { EntityManager, QueryRunner } from 'typeorm';

type Callback = (error: Error | null, result: unknown) => void;

/** What this file uses of a mysql2 connection or pool (callback API). */
interface Mysql2Executor {
  execute(sql: string, values: unknown[], callback: Callback): void;
  query(sql: string, values: unknown[], callback: Callback): void;
}

function isExecutor(value: unknown): value is Mysql2Executor {
  const candidate = value as Partial<Mysql2Executor> | undefined;
  return typeof candidate?.execute === 'function' && typeof candidate.query === 'function';
}

/**
 * Where a statement of this manager goes on MySQL/MariaDB: the connection its transaction holds, or
 * outside a transaction the driver's pool (which lends a connection for the one statement). On
 * SQLite, or with a pool this code does not know (replication), `undefined`: TypeORM's own `query`.
 */
function executor(manager: EntityManager): Mysql2Executor | undefined {
  if (manager.connection.options.type !== 'mysql') return undefined;
  const runner = manager.queryRunner as (QueryRunner & { databaseConnection?: unknown }) | undefined;
  if (runner) return !runner.isReleased && isExecutor(runner.databaseConnection) ? runner.databaseConnection : undefined;
  const pool = (manager.connection.driver as { pool?: unknown }).pool;
  return isExecutor(pool) ? pool : undefined;
}

/**
 * Values as the binary protocol should carry them: mysql2 would send a JS number as a DOUBLE, so
 * integers (amounts, counts) go as their decimal text, exact at any size, which the server converts
 * to the column's integer type; `undefined` is NULL, as `query` treats it.
 */
function bindable(values: unknown[]): unknown[] {
  return values.map((value) => (value === undefined ? null : typeof value === 'number' ? String(value) : value));
}

/**
 * One parameterized statement of the manager's unit of work (or on its own outside one). On
 * MySQL/MariaDB it is a server-side prepared statement (mysql2 `execute`, prepared once per
 * connection and statement text, then cached), sent straight to the connection:
 * - prepared, the server parses each statement once per connection, not once per request, and the
 *   values travel as binary fields instead of being escaped into the SQL text by the client;
 * - past TypeORM's `QueryRunner.query`, which builds a promise-API connection object per statement
 *   (a module lookup and listeners each time), broadcasts to subscribers and copies the rows, for
 *   nothing this code uses (no query logging, no subscribers).
 * Measured on a first execution: 1.12× the throughput, 7 % less server CPU and 15 % less database
 * CPU per request (README, Performance). Driver errors reach the caller unwrapped (no
 * `QueryFailedError`); the error classifiers read both forms. Elsewhere it is TypeORM's `query`.
 *
 * Answers what the driver answers: the rows of a `SELECT`; the result header of a write.
 */
export function transactionQuery<T = unknown>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T> {
  const target = executor(manager);
  if (!target) return manager.query(sql, parameters);
  const values = bindable(parameters);
  return new Promise<T>((resolve, reject) => {
    target.execute(sql, values, (error, result) => {
      if (!error) return resolve(result as T);
      // The server holds as many prepared statements as it allows (max_prepared_stmt_count): this
      // one was never prepared, so nothing ran; it runs as a plain statement instead.
      if ((error as { errno?: number }).errno !== ER_MAX_PREPARED_STMT_COUNT_REACHED) return reject(error);
      target.query(sql, values, (again, result) => (again ? reject(again) : resolve(result as T)));
    });
  });
}

const ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;

/** A write in the manager's transaction, like `transactionQuery`; answers how many rows it changed. */
export async function transactionWrite(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number | undefined> {
  if (executor(manager)) {
    const header = await transactionQuery<{ affectedRows?: number }>(manager, sql, parameters);
    return header.affectedRows;
  }
  if (!manager.queryRunner) throw new Error('transactionWrite needs a transaction');
  return (await manager.queryRunner.query(sql, parameters, true)).affected;
}
