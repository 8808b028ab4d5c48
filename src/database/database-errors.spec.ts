import { QueryFailedError } from 'typeorm';
import { classifyDatabaseError, isTransientDatabaseError, isUniqueViolation } from './database-errors';

const mysqlError = (errno: number, code: string) => Object.assign(new Error(code), { errno, code });
const wrapped = (driverError: Error) => new QueryFailedError('INSERT …', [], driverError);

describe('classifyDatabaseError', () => {
  it.each([
    [mysqlError(1213, 'ER_LOCK_DEADLOCK'), 'conflict'],
    [mysqlError(1205, 'ER_LOCK_WAIT_TIMEOUT'), 'lock_wait_timeout'],
    [mysqlError(1062, 'ER_DUP_ENTRY'), 'unique_violation'],
    [Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }), 'conflict'],
    [Object.assign(new Error('unique'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }), 'unique_violation'],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'unavailable'],
    [mysqlError(1047, 'ER_UNKNOWN_COM_ERROR'), 'unavailable'], // a Galera node outside the primary component
    [new Error("Can't add new command when connection is in closed state"), 'unavailable'],
  ])('sorts %s, also wrapped by TypeORM', (error, kind) => {
    expect(classifyDatabaseError(error)).toBe(kind);
    expect(classifyDatabaseError(wrapped(error))).toBe(kind);
  });

  it('leaves other errors alone', () => {
    expect(classifyDatabaseError(mysqlError(1064, 'ER_PARSE_ERROR'))).toBeUndefined();
    expect(classifyDatabaseError(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyDatabaseError(undefined)).toBeUndefined();
  });

  it('calls deadlocks and lock wait timeouts transient, a unique violation not', () => {
    expect(isTransientDatabaseError(wrapped(mysqlError(1213, 'ER_LOCK_DEADLOCK')))).toBe(true);
    expect(isTransientDatabaseError(mysqlError(1205, 'ER_LOCK_WAIT_TIMEOUT'))).toBe(true);
    expect(isTransientDatabaseError(mysqlError(1062, 'ER_DUP_ENTRY'))).toBe(false);
    expect(isUniqueViolation(wrapped(mysqlError(1062, 'ER_DUP_ENTRY')))).toBe(true);
  });
});
