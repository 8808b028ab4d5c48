import { DataSource, DataSourceOptions } from 'typeorm';
import { withMigrationLock } from './migration-lock';

interface PooledConnection {
  query(sql: string, done: (error: Error | null) => void): unknown;
}
interface Pool {
  on(event: 'connection', listener: (connection: PooledConnection) => void): void;
}

/** Session settings of every MySQL/MariaDB connection of the pool. */
export interface MysqlSessionSettings {
  /** `innodb_lock_wait_timeout` of the application's statements (`DB_LOCK_WAIT_SECONDS`); the server's when absent. */
  lockWaitSeconds?: number;
}

/** The statements that give a connection the session settings, one round trip each, once per connection. */
export function sessionStatements(settings: MysqlSessionSettings): string[] {
  const statements = ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'];
  if (settings.lockWaitSeconds !== undefined) statements.push(`SET SESSION innodb_lock_wait_timeout = ${Math.trunc(settings.lockWaitSeconds)}`);
  return statements;
}

/** A failed session setting leaves the connection usable with server defaults; say so, do not crash. */
function warnOnError(error: Error | null): void {
  if (error) console.warn(`could not apply MySQL session settings: ${error.message}`);
}

/**
 * Creates and initializes the DataSource, then applies pending migrations when asked. On MySQL/MariaDB
 * every pooled connection first runs:
 * - READ COMMITTED: locking reads already see the latest rows; this also drops the gap locks that
 *   make concurrent ledger inserts deadlock under REPEATABLE READ.
 * - `innodb_lock_wait_timeout` = `DB_LOCK_WAIT_SECONDS`, when set: how long a statement of the
 *   application waits for a row lock. The idempotency store bounds its key claim's wait itself,
 *   per statement, so this is about business rows only.
 * Doing it once per connection, not per transaction, keeps these off every request's round trips:
 * new connections get them from the pool's `connection` event, and the one connection TypeORM
 * opened while initializing (to check the credentials) gets them here.
 */
export async function initializeDataSource(options: DataSourceOptions, session: MysqlSessionSettings = {}): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  if (options.type === 'mysql') {
    const statements = sessionStatements(session);
    const pool = (dataSource.driver as unknown as { pool: Pool }).pool;
    pool.on('connection', (connection) => statements.forEach((sql) => connection.query(sql, warnOnError)));
    for (const sql of statements) await dataSource.query(sql);
  }
  if (options.migrationsRun) await runMigrationsExclusively(dataSource);
  return dataSource;
}

/**
 * Several app processes may start at once against one MySQL database or one Galera cluster;
 * without a lock they would race to create the same tables. The lock is a replicated lease row
 * (see `withMigrationLock`); the others wait, then find nothing left to do. SQLite is one
 * process's file: no lock needed.
 */
async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'mysql') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  await withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
}
