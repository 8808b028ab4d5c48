import { freePort } from '../scripts/server-process';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * A deploy starts several processes at once with one BOOTSTRAP_API_KEY: they race to migrate and to
 * create the key's client. Every one must come up and serve the same client.
 */
describeOnMysql('three processes starting at once with one BOOTSTRAP_API_KEY (%s)', () => {
  let db: TestDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await db?.drop();
  });

  it('all start, migrate once and answer as one client', async () => {
    const apiKey = bootstrapApiKey();
    const ports = [await freePort(), await freePort(), await freePort()];
    const started = await Promise.allSettled(
      ports.map((port) => startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey }, { port, timeoutMs: 90_000 })),
    );
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    expect(started.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const accounts = await Promise.all(servers.map((server) => call(server, apiKey, 'GET', '/v1/accounts')));
    expect(accounts.map((answer) => answer.status)).toEqual([200, 200, 200]);
  });
});

/**
 * The smallest pool: one connection. Nothing may hold a connection while waiting for another
 * (the migration lease, the key claim's first query, the bootstrap client), or the process stops
 * for good: mysql2's pool has no acquire timeout.
 */
describeOnMysql('a process with DB_POOL_SIZE=1 (%s)', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
  });
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it('migrates a fresh database, starts, and answers keyed requests and their duplicates', async () => {
    const apiKey = bootstrapApiKey();
    server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, DB_POOL_SIZE: '1' }, { timeoutMs: 90_000 });
    const [from, to] = [await openAccountOn(server, apiKey), await openAccountOn(server, apiKey)];
    await depositOn(server, apiKey, from, 1_000);
    const body = { from_account: from, to_account: to, amount: 250, currency: 'usd' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(server!, apiKey, 'POST', '/v1/transfers', { body, key: 'pool-of-one' })));
    expect(answers.map((a) => a.status).filter((status) => status !== 201 && status !== 409)).toEqual([]);
    const replay = await call(server, apiKey, 'POST', '/v1/transfers', { body, key: 'pool-of-one' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const account = await call(server, apiKey, 'GET', `/v1/accounts/${from}`);
    expect(account.body.balance).toBe(750);
  });
});
