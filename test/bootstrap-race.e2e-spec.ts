import { freePort } from '../scripts/server-process';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { bootstrapApiKey, call } from './support/process-client';
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
