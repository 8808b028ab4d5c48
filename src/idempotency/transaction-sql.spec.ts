import type { EntityManager } from 'typeorm';
import { transactionQuery, transactionWrite } from './transaction-sql';

type Callback = (error: Error | null, result: unknown) => void;

/** A stand-in for a mysql2 connection: records what it was sent, answers as told. */
function fakeConnection(answer: { execute?: Error; result?: unknown } = {}) {
  const sent: Array<{ how: 'execute' | 'query'; sql: string; values: unknown[] }> = [];
  return {
    sent,
    execute(sql: string, values: unknown[], callback: Callback) {
      sent.push({ how: 'execute', sql, values });
      callback(answer.execute ?? null, answer.result ?? { affectedRows: 1 });
    },
    query(sql: string, values: unknown[], callback: Callback) {
      sent.push({ how: 'query', sql, values });
      callback(null, answer.result ?? { affectedRows: 1 });
    },
  };
}

function manager(type: string, connection: object, inTransaction = true, typeormQuery = jest.fn()): EntityManager {
  return {
    connection: { options: { type }, driver: { pool: connection } },
    queryRunner: inTransaction ? { isReleased: false, databaseConnection: connection, query: typeormQuery } : undefined,
    query: typeormQuery,
  } as unknown as EntityManager;
}

describe('transactionQuery', () => {
  it("prepares the statement on the transaction's connection, integers bound as exact text and undefined as NULL", async () => {
    const connection = fakeConnection({ result: [{ id: 'x' }] });
    const rows = await transactionQuery(manager('mysql', connection), 'SELECT ?, ?, ?, ?', [9_007_199_254_740_991, undefined, 'a', null]);
    expect(rows).toEqual([{ id: 'x' }]);
    expect(connection.sent).toEqual([{ how: 'execute', sql: 'SELECT ?, ?, ?, ?', values: ['9007199254740991', null, 'a', null] }]);
  });

  it("goes to the driver's pool outside a transaction", async () => {
    const pool = fakeConnection();
    await transactionQuery(manager('mysql', pool, false), 'SELECT 1', []);
    expect(pool.sent.map((s) => s.how)).toEqual(['execute']);
  });

  it('runs the statement unprepared when the server holds all the prepared statements it allows', async () => {
    const full = Object.assign(new Error("Can't create more than max_prepared_stmt_count statements"), { errno: 1461 });
    const connection = fakeConnection({ execute: full });
    expect(await transactionWrite(manager('mysql', connection), 'UPDATE t SET a = ?', [1])).toBe(1);
    expect(connection.sent.map((s) => s.how)).toEqual(['execute', 'query']);
  });

  it('passes any other driver error on as it came, without running the statement again', async () => {
    const deadlock = Object.assign(new Error('Deadlock found'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });
    const connection = fakeConnection({ execute: deadlock });
    await expect(transactionQuery(manager('mysql', connection), 'UPDATE t SET a = ?', [1])).rejects.toBe(deadlock);
    expect(connection.sent).toHaveLength(1);
  });

  it("leaves other databases to TypeORM's own query", async () => {
    const connection = fakeConnection();
    const typeormQuery = jest.fn().mockResolvedValue({ affected: 2 });
    expect(await transactionWrite(manager('better-sqlite3', connection, true, typeormQuery), 'UPDATE t SET a = ?', [1])).toBe(2);
    expect(typeormQuery).toHaveBeenCalledWith('UPDATE t SET a = ?', [1], true);
    expect(connection.sent).toHaveLength(0);
  });
});
