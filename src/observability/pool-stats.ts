import type { DataSource } from 'typeorm';

/** A connection pool at one instant. */
export interface PoolStats {
  /** Connections open (checked out or idle). */
  open: number;
  /** Of those, idle in the pool. */
  idle: number;
  /** Most connections the pool opens (`DB_POOL_SIZE`). */
  max: number;
  /** Requests waiting for a connection because all `max` are checked out. */
  pending: number;
}

/** The parts of a mysql2 pool read here; mysql2 keeps them in queues with a `length`. */
interface Mysql2Pool {
  config?: { connectionLimit?: unknown };
  _allConnections?: { length?: unknown };
  _freeConnections?: { length?: unknown };
  _connectionQueue?: { length?: unknown };
}

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined);

/**
 * The MySQL/MariaDB pool behind the DataSource, or undefined (SQLite: one connection, no pool; not
 * initialized or closed). mysql2 has no public statistics API: these are the queues its pool keeps
 * (the same in mysql2 2.x and 3.x). Were they renamed, this returns undefined and the pool metrics
 * disappear from /metrics, which the dashboard test on MariaDB catches.
 */
export function mysqlPoolStats(dataSource: DataSource | undefined): PoolStats | undefined {
  if (!dataSource?.isInitialized || dataSource.options.type !== 'mysql') return undefined;
  const pool = (dataSource.driver as unknown as { pool?: Mysql2Pool }).pool;
  const open = count(pool?._allConnections?.length);
  const idle = count(pool?._freeConnections?.length);
  const max = count(pool?.config?.connectionLimit);
  const pending = count(pool?._connectionQueue?.length);
  if (open === undefined || idle === undefined || max === undefined || pending === undefined) return undefined;
  return { open, idle, max, pending };
}
