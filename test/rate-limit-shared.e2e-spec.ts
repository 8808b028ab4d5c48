import { freePort } from '../scripts/server-process';
import { createTestDatabase, mysqlOnly, TestDatabase } from './support/databases';
import { bootstrapApiKey, call } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

const LIMIT = 10;
const redisUrl = process.env.TEST_REDIS ?? '';
const runs = mysqlOnly().length && redisUrl ? describe : describe.skip;

/**
 * `RATE_LIMIT_PER_MINUTE` is one budget per client across every app process when `REDIS_URL` is set,
 * and a budget per process without it (or while Redis does not answer). Two real processes on one
 * MariaDB database, each sent half of the requests.
 */
runs('rate limits across processes (mysql, redis)', () => {
  let db: TestDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('mysql');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await db?.drop();
  });

  async function pair(env: Record<string, string>): Promise<{ apiKey: string; started: ServerProcess[] }> {
    const apiKey = bootstrapApiKey();
    const base = { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, RATE_LIMIT_PER_MINUTE: String(LIMIT), ...env };
    const started: ServerProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const server = await startServer(base, { port: await freePort(), timeoutMs: 60_000 });
      servers.push(server);
      started.push(server);
    }
    return { apiKey, started };
  }

  async function statuses(started: ServerProcess[], apiKey: string, perServer: number): Promise<number[]> {
    const answers: number[] = [];
    for (let i = 0; i < perServer; i++) {
      for (const server of started) answers.push((await call(server, apiKey, 'GET', '/v1/accounts')).status);
    }
    return answers;
  }

  it('with REDIS_URL, two processes share one limit per client', async () => {
    const { apiKey, started } = await pair({ REDIS_URL: redisUrl });
    const answers = await statuses(started, apiKey, 8);
    expect(answers.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(answers.filter((s) => s === 429)).toHaveLength(16 - LIMIT);
  });

  it('without REDIS_URL, each process counts on its own', async () => {
    const { apiKey, started } = await pair({});
    const answers = await statuses(started, apiKey, 8);
    expect(answers.filter((s) => s === 200)).toHaveLength(16);
  });

  it('when Redis does not answer, requests are still served and limited per process, never failed', async () => {
    const { apiKey, started } = await pair({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const answers = await statuses(started, apiKey, LIMIT + 2);
    expect(answers.filter((s) => s === 200)).toHaveLength(2 * LIMIT);
    expect(answers.filter((s) => s === 429)).toHaveLength(4);
  });
});
