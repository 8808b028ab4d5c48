import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ConfigurationError } from '../config/app-config';
import { MIGRATIONS } from './migrations';

/** How many prepared statements each pooled MySQL connection keeps (least recently used closed first). */
export const PREPARED_STATEMENTS_PER_CONNECTION = 64;

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(databaseUrl: string): Dialect {
  return databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'mysql';
}

/** Query parameters a MySQL `DATABASE_URL` may carry; any other is refused, so that a typo is not ignored. */
const MYSQL_URL_PARAMETERS = ['socket'];

/**
 * Turns `DATABASE_URL` into TypeORM options (entities are registered by their modules, through
 * `TypeOrmModule.forFeature` and `autoLoadEntities`): `mysql://user:pass@host:3306/db` (or `mariadb://`),
 * `mysql://user@localhost/db?socket=/run/mysqld/mysqld.sock` (a co-located server over its Unix
 * socket: the host and port are then not used), `sqlite:/path/file.sqlite`,
 * `sqlite:./relative.sqlite` or `sqlite::memory:`.
 */
export function dataSourceOptions(databaseUrl: string, opts: { poolSize?: number; migrationsRun?: boolean } = {}): DataSourceOptions {
  const common = {
    migrations: MIGRATIONS,
    migrationsRun: opts.migrationsRun ?? false,
    synchronize: false,
    logging: false,
  };
  if (dialectOf(databaseUrl) === 'sqlite') {
    const location = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!location) throw new ConfigurationError('DATABASE_URL', 'needs a file after sqlite: (or sqlite::memory:)');
    const database = location === ':memory:' ? ':memory:' : resolve(location);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return { ...common, type: 'better-sqlite3', database, enableWAL: database !== ':memory:' };
  }
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new ConfigurationError('DATABASE_URL', 'is not a valid URL (mysql://user:password@host:3306/database)');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new ConfigurationError('DATABASE_URL', 'needs a database name (mysql://user@host:3306/payments)');
  const unknown = [...url.searchParams.keys()].filter((name) => !MYSQL_URL_PARAMETERS.includes(name));
  if (unknown.length) {
    throw new ConfigurationError('DATABASE_URL', `has an unknown parameter "${unknown[0]}" (only ?socket=/path/to/mysqld.sock is read)`);
  }
  const socketPath = url.searchParams.get('socket') ?? undefined;
  if (socketPath !== undefined && !socketPath.startsWith('/')) {
    throw new ConfigurationError('DATABASE_URL', 'needs an absolute path in ?socket= (e.g. ?socket=/run/mysqld/mysqld.sock)');
  }
  return {
    ...common,
    type: 'mysql',
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    ...(socketPath ? { socketPath } : {}),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 5_000,
    // mysql2 captures a stack trace per query to decorate errors; measured at ~40% of its per-query
    // CPU. Our errors are classified by code, not by where the query was issued.
    trace: false,
    // The hot statements are server-side prepared (src/idempotency/transaction-sql.ts): each pooled
    // connection keeps its 64 most recently used and closes the rest, so that processes × pool × 64
    // stays under the server's max_prepared_stmt_count (16,382 by default) for up to 25 processes
    // of 10 connections; past it a statement simply runs unprepared.
    extra: { connectionLimit: opts.poolSize ?? 10, enableKeepAlive: true, maxPreparedStatements: PREPARED_STATEMENTS_PER_CONNECTION },
  };
}
