import type { StoreFault } from './idempotency-store';

/** MySQL/MariaDB error numbers and SQLite codes that say "this attempt lost a race; run it again". */
const TRANSIENT_MYSQL_ERRNOS = new Set([1213 /* ER_LOCK_DEADLOCK */, 1205 /* ER_LOCK_WAIT_TIMEOUT */]);
const TRANSIENT_SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** Codes that say the database could not be reached or the connection went away mid-way. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'POOL_CLOSED',
  'ER_QUERY_INTERRUPTED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);
const UNAVAILABLE_MESSAGES = [/connection is in closed state/i, /Pool is closed/i, /Can't add new command when connection is in closed state/i, /Connection lost/i];

interface DriverErrorShape {
  errno?: number;
  code?: string;
  message?: string;
  driverError?: DriverErrorShape;
  cause?: unknown;
}

/**
 * Sorts a database error from TypeORM (mysql2 or better-sqlite3 underneath) into the faults a caller
 * reacts to differently: `transient` (retry the unit of work), `unavailable` (answer 503), or
 * `undefined` (a real error: let it surface).
 */
export function classifyDatabaseError(error: unknown): StoreFault | undefined {
  for (let e = error as DriverErrorShape | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.errno === 'number' && TRANSIENT_MYSQL_ERRNOS.has(e.errno)) return 'transient';
    if (e.code && TRANSIENT_SQLITE_CODES.has(e.code)) return 'transient';
    if (e.code && UNAVAILABLE_CODES.has(e.code)) return 'unavailable';
    if (e.message && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(e!.message!))) return 'unavailable';
    e = (e.driverError ?? (e.cause as DriverErrorShape | undefined)) as DriverErrorShape | undefined;
  }
  return undefined;
}

/** MySQL's ER_DUP_ENTRY or SQLite's unique-constraint failure. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as DriverErrorShape;
  const inner = e?.driverError ?? e;
  return inner?.errno === 1062 || inner?.code === 'ER_DUP_ENTRY' || inner?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** MySQL's ER_LOCK_WAIT_TIMEOUT: someone held the row longer than we were willing to wait. */
export function isLockWaitTimeout(error: unknown): boolean {
  const e = error as DriverErrorShape;
  return (e?.driverError ?? e)?.errno === 1205;
}
