import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase, describeOnMysql } from './support/databases';
import { MysqlObserver, schemaOf, TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS } from './support/mysql-observer';
import { balanceOn, bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * Contract §2 ("first one crashed mid-way") and §5.2, with real processes on MariaDB: a server is
 * SIGKILLed while its request is inside the transaction that claimed the key (held there by row
 * locks another connection keeps on the accounts). Nothing of the request may survive; the retry
 * with the same key on a new server executes once, and the next retry replays it.
 *
 * The server's statements keep the database's own lock wait (50 s by default), which outlasts the
 * checks made here.
 */
describeOnMysql('a server killed mid-transaction on %s', (kind) => {
  const apiKey = bootstrapApiKey();
  const servers: ServerProcess[] = [];
  let db: TestDatabase;
  let sql: Connection;
  let locker: Connection;
  let observe: MysqlObserver;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, IDEMPOTENCY_WAIT_MS: '20000', IDEMPOTENCY_LEASE_MS: '60000' };
    sql = await createConnection({ uri: db.url });
    locker = await createConnection({ uri: db.url });
    observe = new MysqlObserver(sql, schemaOf(db.url), [locker]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await locker?.end();
    await sql?.end();
    await db?.drop();
  }, 60_000);

  async function start(): Promise<ServerProcess> {
    const server = await startServer(env);
    servers.push(server);
    return server;
  }

  it('leaves no transfer, ledger entry or key behind; the retry with the same key executes once, then replays', async () => {
    const doomed = await start();
    const from = await openAccountOn(doomed, apiKey);
    const to = await openAccountOn(doomed, apiKey);
    await depositOn(doomed, apiKey, from, 10_000);
    const key = `crash-${randomUUID()}`;
    const body = { from_account: from, to_account: to, amount: 4_000, currency: 'usd' };

    // Hold both accounts' row locks, so the transfer stops inside its transaction, after its claim.
    await locker.beginTransaction();
    await locker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [from, to]);
    const inFlight = call(doomed, apiKey, 'POST', '/v1/transfers', { body, key }).then(
      (answer) => ({ answered: answer.status }),
      (error: Error) => ({ failed: error.message }),
    );
    const waiting = await observe.lockWaitOf('the transfer to wait for the account locks', from, to);
    expect(waiting.query).toMatch(/FROM `accounts`.*FOR UPDATE/is);
    expect(waiting.rowsModified).toBe(TRANSFER_ROWS_BEFORE_ACCOUNT_LOCKS); // its key claim among them, uncommitted, in the same transaction

    await doomed.kill();
    expect(await inFlight).toEqual({ failed: expect.any(String) });
    await locker.rollback();
    await observe.othersGone("the dead server's connections to close");

    expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(0);
    expect(await observe.count('ledger_entries', "posting_type = 'transfer' AND account_id IN (?, ?)", [from, to])).toBe(0);
    expect(await observe.count('idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);

    const restarted = await start();
    expect([await balanceOn(restarted, apiKey, from), await balanceOn(restarted, apiKey, to)]).toEqual([10_000, 0]);
    const retry = await call(restarted, apiKey, 'POST', '/v1/transfers', { body, key });
    expect({ status: retry.status, replayed: retry.headers.get('idempotent-replayed'), key: retry.headers.get('idempotency-key') }).toEqual({
      status: 201,
      replayed: null,
      key,
    });
    const again = await call(restarted, apiKey, 'POST', '/v1/transfers', { body, key });
    expect({ status: again.status, text: again.text, replayed: again.headers.get('idempotent-replayed') }).toEqual({
      status: 201,
      text: retry.text,
      replayed: 'true',
    });

    expect(await observe.count('transfers', 'from_account = ?', [from])).toBe(1);
    const totals = await observe.ledgerTotals();
    expect(Object.values(totals).reduce((sum, total) => sum + total, 0)).toBe(0);
    expect([totals[from], totals[to]]).toEqual([6_000, 4_000]);
    expect([await balanceOn(restarted, apiKey, from), await balanceOn(restarted, apiKey, to)]).toEqual([6_000, 4_000]);
  }, 120_000);
});
