import { createConnection } from 'mysql2/promise';
import { decideBrowser } from './browser';
import { REDIS_TEST_URL, redisAnswers } from './redis';

const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/**
 * Decides once, before any suite, which databases the e2e suites run on, and publishes it as
 * `TEST_DATABASES` for `databaseKinds()`. MySQL unreachable: its suites are left out with a loud
 * notice, or, under `REQUIRE_MYSQL=1` (CI), the whole run fails here. The browser suite likewise
 * (see `decideBrowser`).
 */
export default async function globalSetup(): Promise<void> {
  decideBrowser();
  await decideRedis();
  if (process.env.TEST_DATABASES) return;
  try {
    const connection = await createConnection({ uri: MYSQL_SERVER_URL, connectTimeout: 3000 });
    await connection.end();
    process.env.TEST_DATABASES = 'sqlite,mysql';
  } catch (error) {
    if (process.env.REQUIRE_MYSQL === '1') {
      throw new Error(`REQUIRE_MYSQL=1 but MySQL at ${MYSQL_SERVER_URL} is unreachable: ${(error as Error).message}`, { cause: error });
    }
    console.warn(`\n*** MySQL at ${MYSQL_SERVER_URL} is unreachable: MySQL suites are NOT run (REQUIRE_MYSQL=1 makes this an error) ***\n`);
    process.env.TEST_DATABASES = 'sqlite';
  }
}

/**
 * Redis backs the shared rate limit (`REDIS_URL`). Its suite runs when Redis answers; otherwise it
 * is left out with a loud notice, or, under `REQUIRE_MYSQL=1` (CI, which also starts Redis), the run
 * fails here.
 */
async function decideRedis(): Promise<void> {
  if (process.env.TEST_REDIS !== undefined) return;
  if (await redisAnswers()) {
    process.env.TEST_REDIS = REDIS_TEST_URL;
    return;
  }
  if (process.env.REQUIRE_MYSQL === '1') throw new Error(`REQUIRE_MYSQL=1 (CI) but Redis at ${REDIS_TEST_URL} does not answer`);
  console.warn(`\n*** Redis at ${REDIS_TEST_URL} does not answer: the shared rate-limit suite is NOT run ***\n`);
  process.env.TEST_REDIS = '';
}
