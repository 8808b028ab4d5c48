import decideDatabases from '../support/global-setup';

/**
 * The reliability suites exist to run on MySQL/MariaDB: there they fail when it is unreachable,
 * never skip (the e2e suites' `REQUIRE_MYSQL=1`, always on). One seed for the whole run, printed
 * in every summary, so `RELIABILITY_SEED=<it>` replays the run's random choices.
 */
export default async function globalSetup(): Promise<void> {
  process.env.REQUIRE_MYSQL = '1';
  process.env.RELIABILITY_SEED ??= String(1 + Math.floor(Math.random() * 2 ** 31));
  await decideDatabases();
}
