import type { DataSource } from 'typeorm';
import { mysqlPoolStats } from './pool-stats';

function dataSource(type: string, pool: unknown, isInitialized = true): DataSource {
  return { isInitialized, options: { type }, driver: { pool } } as unknown as DataSource;
}

const queue = (length: number) => ({ length });

describe('mysqlPoolStats', () => {
  it('reads open, idle, waiting and the limit from a mysql2 pool', () => {
    const pool = { config: { connectionLimit: 10 }, _allConnections: queue(4), _freeConnections: queue(1), _connectionQueue: queue(0) };
    expect(mysqlPoolStats(dataSource('mysql', pool))).toEqual({ open: 4, idle: 1, max: 10, pending: 0 });
  });

  it('reports nothing for SQLite, a closed DataSource, or a pool whose shape it does not know', () => {
    const pool = { config: { connectionLimit: 10 }, _allConnections: queue(4), _freeConnections: queue(1), _connectionQueue: queue(0) };
    expect(mysqlPoolStats(dataSource('better-sqlite3', pool))).toBeUndefined();
    expect(mysqlPoolStats(dataSource('mysql', pool, false))).toBeUndefined();
    expect(mysqlPoolStats(undefined)).toBeUndefined();
    expect(mysqlPoolStats(dataSource('mysql', { ...pool, _freeConnections: undefined }))).toBeUndefined();
    expect(mysqlPoolStats(dataSource('mysql', { ...pool, config: { connectionLimit: '10' } }))).toBeUndefined();
  });
});
