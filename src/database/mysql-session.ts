import { DataSource, DataSourceOptions } from 'typeorm';
import { withMigrationLock } from './migration-lock';

interface PoolLike {
  on(event: 'connection', listener: (connection: { query(sql: string, done: (error: Error | null) => void): unknown }) => void): void;
}

/** A failed session setting leaves the connection usable with server defaults; say so, do not crash. */
function warnOnError(error: Error | null): void {
  if (error) console.warn(`could not apply MySQL session settings: ${error.message}`);
}

const LOCK_WAIT_SECONDS = Symbol('lockWaitSeconds');

/** Carries the idempotency wait to `initializeDataSource` inside the options TypeORM passes along. */
export function withLockWait(options: DataSourceOptions, seconds: number): DataSourceOptions {
  return Object.assign({ ...options }, { [LOCK_WAIT_SECONDS]: seconds });
}

/**
 * Creates and initializes the DataSource, then applies pending migrations when asked. On MySQL/MariaDB every pooled connection first runs:
 * - READ COMMITTED: locking reads already see the latest rows; this also drops the gap locks that
 *   make concurrent ledger inserts deadlock under REPEATABLE READ.
 * - `innodb_lock_wait_timeout` = the idempotency wait: a duplicate request blocks on the original's
 *   uncommitted key row for at most this long before it is told 409.
 * Doing it once per connection, not per transaction, keeps these off every request's round trips.
 */
export async function initializeDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  const lockWaitSeconds = (options as { [LOCK_WAIT_SECONDS]?: number })[LOCK_WAIT_SECONDS] ?? 5;
  if (options.type === 'mysql') {
    const driver = dataSource.driver as unknown as { mysql: { createPool(o: unknown): PoolLike } };
    const mysql = driver.mysql;
    driver.mysql = Object.create(mysql, {
      createPool: {
        value: (poolOptions: unknown) => {
          const pool = mysql.createPool(poolOptions);
          pool.on('connection', (connection) => {
            connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', warnOnError);
            connection.query(`SET SESSION innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(lockWaitSeconds))}`, warnOnError);
          });
          return pool;
        },
      },
    });
  }
  await dataSource.initialize();
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
