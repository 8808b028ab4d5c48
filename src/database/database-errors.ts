import type { DatabaseErrorKind } from '../idempotency';

/**
 * MySQL/MariaDB error numbers and SQLite codes that say "this attempt lost a race; run it again".
 * 1213 is also what a Galera cluster reports for a certification conflict.
 */
const CONFLICT_MYSQL_ERRNOS = new Set([1213 /* ER_LOCK_DEADLOCK */]);
const CONFLICT_SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);
const LOCK_WAIT_TIMEOUT_ERRNO = 1205; // ER_LOCK_WAIT_TIMEOUT
const UNIQUE_VIOLATION_CODES = new Set(['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

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
  // A Galera node that is joining, donating, or cut off from the primary component refuses
  // statements with 1047 ("WSREP has not yet prepared node for application use"): nothing ran.
  'ER_UNKNOWN_COM_ERROR',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
]);
const UNAVAILABLE_MESSAGES = [
  /connection is in closed state/i,
  /Pool is closed/i,
  /Can't add new command when connection is in closed state/i,
  /Connection lost/i,
];

interface DriverErrorShape {
  errno?: number;
  code?: string;
  message?: string;
  driverError?: DriverErrorShape;
  cause?: unknown;
}

/**
 * Sorts a database error from TypeORM (mysql2 or better-sqlite3 underneath), looking through the
 * wrappers (`driverError`, `cause`): a `conflict` or `lock_wait_timeout` (the attempt lost a race;
 * its unit of work may run again), a `unique_violation`, `unavailable` (answer 503), or `undefined`
 * (a real error: let it surface). Given to the idempotency module as its `classifyError`.
 */
export function classifyDatabaseError(error: unknown): DatabaseErrorKind | undefined {
  for (let e = error as DriverErrorShape | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.errno === 'number' && CONFLICT_MYSQL_ERRNOS.has(e.errno)) return 'conflict';
    if (e.errno === LOCK_WAIT_TIMEOUT_ERRNO) return 'lock_wait_timeout';
    if (e.errno === 1062 || (e.code && UNIQUE_VIOLATION_CODES.has(e.code))) return 'unique_violation';
    if (e.code && CONFLICT_SQLITE_CODES.has(e.code)) return 'conflict';
    if (e.code && UNAVAILABLE_CODES.has(e.code)) return 'unavailable';
    if (e.message && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(e!.message!))) return 'unavailable';
    e = (e.driverError ?? (e.cause as DriverErrorShape | undefined)) as DriverErrorShape | undefined;
  }
  return undefined;
}

/** A deadlock or lock wait timeout: the unit of work rolled back (or its statement did) and may run again. */
export function isTransientDatabaseError(error: unknown): boolean {
  const kind = classifyDatabaseError(error);
  return kind === 'conflict' || kind === 'lock_wait_timeout';
}

/** MySQL's ER_DUP_ENTRY or SQLite's unique-constraint failure. */
export function isUniqueViolation(error: unknown): boolean {
  return classifyDatabaseError(error) === 'unique_violation';
}
