import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase, describeOnMysql } from './support/databases';
import { startServer, ServerProcess } from './support/server-process';
import { MysqlObserver, schemaOf } from './support/mysql-observer';

/**
 * SIGTERM while a transfer is provably in flight (its account rows are held by another
 * connection, so it waits inside its transaction): the server stops accepting, the request
 * completes and commits, then the process exits cleanly.
 */
describeOnMysql('graceful shutdown on %s', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const apiKey = `sk_test_${randomBytes(18).toString('hex')}`;

  const api = (path: string, init: { method?: string; body?: object; key?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${apiKey}`,
        'Content-Type': 'application/json',
        ...(init.key ? { 'Idempotency-Key': init.key } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
    server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, IDEMPOTENCY_WAIT_MS: '20000' });
  });
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it('lets a request in flight during SIGTERM finish and commit, then exits 0', async () => {
    const account = async (name: string) =>
      ((await (await api('/v1/accounts', { method: 'POST', body: { name, currency: 'usd' } })).json()) as { id: string }).id;
    const [from, to] = [await account('from'), await account('to')];
    expect((await api(`/v1/accounts/${from}/deposits`, { method: 'POST', key: 'fund', body: { amount: 1000, currency: 'usd' } })).status).toBe(201);

    const blocker = await createConnection({ uri: db.url });
    await blocker.query('START TRANSACTION');
    await blocker.query('SELECT id FROM accounts WHERE id IN (?, ?) FOR UPDATE', [from, to]);

    const inFlight = api('/v1/transfers', { method: 'POST', key: 'during-shutdown', body: { from_account: from, to_account: to, amount: 300, currency: 'usd' } });
    // Wait until the server's transaction is waiting for our row locks: the request is inside it.
    const observer = new MysqlObserver(blocker, schemaOf(db.url), [blocker]);
    await observer.lockWaitOf('the transfer waiting for the account row locks', from, to);

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(fetch(`${server.url}/health`)).rejects.toThrow(); // no longer accepting
    await blocker.query('ROLLBACK');
    await blocker.end();

    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(await exited).toBe(0);

    const check = await createConnection({ uri: db.url });
    const [transfers] = await check.query<any[]>('SELECT CAST(amount AS CHAR) AS amount FROM transfers');
    const [keys] = await check.query<any[]>("SELECT status FROM idempotency_keys WHERE idempotency_key = 'during-shutdown'");
    await check.end();
    expect(transfers).toEqual([{ amount: '300' }]);
    expect(keys).toEqual([{ status: 'completed' }]);
  });
});
