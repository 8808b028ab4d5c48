import type { EntityManager, QueryRunner } from 'typeorm';

/** The callback API of a mysql2 connection: one statement, its rows or its result header. */
interface Mysql2Connection {
  query(sql: string, values: unknown[], callback: (error: Error | null, result: unknown) => void): void;
}

/**
 * The mysql2 connection that the manager's transaction holds, or `undefined` (another driver, or no
 * transaction yet: then TypeORM's own `query` is the way, and it takes a pooled connection itself).
 */
function heldConnection(manager: EntityManager): Mysql2Connection | undefined {
  const runner = manager.queryRunner as (QueryRunner & { databaseConnection?: Partial<Mysql2Connection> }) | undefined;
  if (!runner || runner.isReleased || manager.connection.options.type !== 'mysql') return undefined;
  const connection = runner.databaseConnection;
  return typeof connection?.query === 'function' ? (connection as Mysql2Connection) : undefined;
}

/**
 * One parameterized statement in the manager's transaction. On MySQL/MariaDB it goes straight to the
 * connection the transaction holds: TypeORM's `QueryRunner.query` wraps every statement in a new
 * promise-API connection object (a module lookup and event listeners each time), two subscriber
 * broadcasts and a copy of the rows, about 3 % of a transfer's server CPU for nothing this code
 * uses (no query logging, no subscribers). Driver errors reach the caller unwrapped (no
 * `QueryFailedError`); the error classifiers read both forms. Elsewhere (SQLite, or outside a
 * transaction) it is TypeORM's `query`.
 *
 * Answers what the driver answers: the rows of a `SELECT`; the result header of a write.
 */
export function transactionQuery<T = unknown>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T> {
  const connection = heldConnection(manager);
  if (!connection) return manager.query(sql, parameters);
  return new Promise<T>((resolve, reject) => {
    connection.query(sql, parameters, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** A write in the manager's transaction, like `transactionQuery`; answers how many rows it changed. */
export async function transactionWrite(manager: EntityManager, sql: string, parameters: unknown[]): Promise<number | undefined> {
  if (heldConnection(manager)) {
    const header = await transactionQuery<{ affectedRows?: number }>(manager, sql, parameters);
    return header.affectedRows;
  }
  if (!manager.queryRunner) throw new Error('transactionWrite needs a transaction');
  return (await manager.queryRunner.query(sql, parameters, true)).affected;
}
