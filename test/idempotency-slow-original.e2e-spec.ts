import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { MysqlObserver, schemaOf, TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS } from './support/mysql-observer';
import { bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * A slow original must not turn its duplicates into 503s, nor fail itself because of the key wait
 * (issue: the pool once set every statement's innodb_lock_wait_timeout to IDEMPOTENCY_WAIT_MS).
 * Exactly as a user would try it, on real server processes over MariaDB, on both adapters: a second
 * connection holds the transfer's two accounts with SELECT … FOR UPDATE, the keyed transfer waits on
 * that row lock, the same request is sent again. The duplicate is told 409 with Retry-After while the
 * original is still waiting (it never waits for the original's business locks, and never runs); the
 * original keeps waiting past IDEMPOTENCY_WAIT_MS (its statements keep the database's lock wait),
 * completes once the lock is released, and its answer is then replayed. A wait under one second
 * (which the database's whole-second lock wait cannot express) is honoured the same way.
 */
describeOnMysql('a duplicate of a slow original on %s', (kind) => {
  describe.each([
    ['express', '2000'],
    ['fastify', '2000'],
    ['express', '300'],
  ])('%s, IDEMPOTENCY_WAIT_MS=%s', (adapter, waitMs) => {
    const apiKey = bootstrapApiKey();
    let db: TestDatabase;
    let server: ServerProcess;
    let locker: Connection;
    let sql: Connection;
    let observe: MysqlObserver;

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, HTTP_ADAPTER: adapter, IDEMPOTENCY_WAIT_MS: waitMs });
      sql = await createConnection({ uri: db.url });
      locker = await createConnection({ uri: db.url });
      observe = new MysqlObserver(sql, schemaOf(db.url), [locker]);
    }, 120_000);
    afterAll(async () => {
      await server?.kill();
      await locker?.end();
      await sql?.end();
      await db?.drop();
    }, 60_000);

    it('the duplicate gets 409 with Retry-After, never 503, never a second run; the original completes after the lock and is replayed', async () => {
      const from = await openAccountOn(server, apiKey);
      const to = await openAccountOn(server, apiKey);
      await depositOn(server, apiKey, from, 10_000);
      const key = `slow-original-${randomUUID()}`;
      const body = { from_account: from, to_account: to, amount: 2_500, currency: 'usd' };

      await locker.beginTransaction();
      try {
        await locker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [from, to]);
        const original = call(server, apiKey, 'POST', '/v1/transfers', { body, key });
        original.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
        const waiting = await observe.lockWaitOf('the original to wait for the account locks', from, to);
        expect(waiting.rowsModified).toBe(TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS); // its key claim among them, uncommitted, in the same transaction

        const sent = Date.now();
        const duplicate = await call(server, apiKey, 'POST', '/v1/transfers', { body, key });
        console.log(`${adapter}, IDEMPOTENCY_WAIT_MS=${waitMs}: the duplicate was answered ${duplicate.status} after ${Date.now() - sent} ms`);
        expect({ status: duplicate.status, code: duplicate.body?.code, key: duplicate.headers.get('idempotency-key') }).toEqual({
          status: 409,
          code: 'idempotency_key_in_use',
          key,
        });
        expect(Number(duplicate.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        // The original has now waited longer than IDEMPOTENCY_WAIT_MS, and still waits, untouched.
        expect(await observe.runningQuery(waiting.thread)).toMatch(/FROM `accounts`.*FOR UPDATE/is);
        expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(0);

        await locker.rollback();
        const first = await original;
        expect({ status: first.status, replayed: first.headers.get('idempotent-replayed') }).toEqual({ status: 201, replayed: null });
        const retried = await call(server, apiKey, 'POST', '/v1/transfers', { body, key });
        expect({ status: retried.status, text: retried.text, replayed: retried.headers.get('idempotent-replayed') }).toEqual({
          status: 201,
          text: first.text,
          replayed: 'true',
        });
        expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(1);
      } finally {
        await locker.rollback();
      }
    }, 120_000);
  });
});
