import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase, describeOnMysql } from './support/databases';
import { MysqlObserver, schemaOf, TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS } from './support/mysql-observer';
import { Answer, bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * Contract §2 ("repeat while the first is still running"), with real processes on MariaDB: the first
 * request is held inside its transaction (after its key claim) by row locks the test keeps on the
 * accounts, so a duplicate deterministically arrives while it runs. Two servers share the database:
 * `patient` waits up to 20 s for an in-flight original, `impatient` only 1 s (IDEMPOTENCY_WAIT_MS,
 * which bounds the key claim's own lock wait).
 */
describeOnMysql('a duplicate of a request still in flight on %s', (kind) => {
  const apiKey = bootstrapApiKey();
  const servers: ServerProcess[] = [];
  let db: TestDatabase;
  let sql: Connection;
  let locker: Connection;
  let observe: MysqlObserver;
  let patient: ServerProcess;
  let impatient: ServerProcess;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const env = { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, IDEMPOTENCY_LEASE_MS: '60000' };
    servers.push((patient = await startServer({ ...env, IDEMPOTENCY_WAIT_MS: '20000' })));
    servers.push((impatient = await startServer({ ...env, IDEMPOTENCY_WAIT_MS: '1000' })));
    sql = await createConnection({ uri: db.url });
    locker = await createConnection({ uri: db.url });
    observe = new MysqlObserver(sql, schemaOf(db.url), [locker]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await locker?.end();
    await sql?.end();
    await db?.drop();
  }, 60_000);

  /** Funds two accounts, locks them, and sends the original transfer, which stops inside its transaction. */
  async function holdOriginal(key: string) {
    const from = await openAccountOn(patient, apiKey);
    const to = await openAccountOn(patient, apiKey);
    await depositOn(patient, apiKey, from, 10_000);
    const body = { from_account: from, to_account: to, amount: 2_500, currency: 'usd' };
    await locker.beginTransaction();
    await locker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [from, to]);
    const original = call(patient, apiKey, 'POST', '/v1/transfers', { body, key });
    original.catch(() => undefined); // awaited later; keeps an early failure from going unhandled
    const waiting = await observe.lockWaitOf('the original to wait for the account locks', from, to);
    expect(waiting.query).toMatch(/FROM `accounts`.*FOR UPDATE/is);
    expect(waiting.rowsModified).toBe(TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS); // its key claim among them, uncommitted, in the same transaction
    return { from, to, body, original, thread: waiting.thread };
  }

  function expectExecuted(answer: Answer, key: string): void {
    expect({ status: answer.status, replayed: answer.headers.get('idempotent-replayed'), key: answer.headers.get('idempotency-key') }).toEqual({
      status: 201,
      replayed: null,
      key,
    });
  }

  it('a duplicate arriving while the first runs waits for it and gets its replay; the transfer runs once', async () => {
    const key = `in-flight-${randomUUID()}`;
    const { from, body, original } = await holdOriginal(key);
    try {
      const duplicate = call(patient, apiKey, 'POST', '/v1/transfers', { body, key });
      duplicate.catch(() => undefined);
      await observe.lockWaitOf('the duplicate to wait for the key the original holds', 'INSERT INTO idempotency_keys', key);
      expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(0);

      await locker.rollback();
      const [first, second] = [await original, await duplicate];
      expectExecuted(first, key);
      expect({ status: second.status, text: second.text, replayed: second.headers.get('idempotent-replayed') }).toEqual({
        status: 201,
        text: first.text,
        replayed: 'true',
      });
      expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(1);
    } finally {
      await locker.rollback();
    }
  }, 120_000);

  it('a duplicate that cannot wait long enough gets 409 idempotency_key_in_use with Retry-After and runs nothing; the retry then replays', async () => {
    const key = `in-flight-409-${randomUUID()}`;
    const { from, body, original, thread } = await holdOriginal(key);
    try {
      const busy = await call(impatient, apiKey, 'POST', '/v1/transfers', { body, key });
      expect({ status: busy.status, code: busy.body?.code, key: busy.headers.get('idempotency-key') }).toEqual({
        status: 409,
        code: 'idempotency_key_in_use',
        key,
      });
      expect(busy.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(0);
      expect(await observe.runningQuery(thread)).toMatch(/FROM `accounts`.*FOR UPDATE/is); // the original still waits, untouched

      await locker.rollback();
      const first = await original;
      expectExecuted(first, key);
      const retried = await call(impatient, apiKey, 'POST', '/v1/transfers', { body, key });
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
