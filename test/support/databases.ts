import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

/**
 * Test databases. Every suite gets its own, freshly created and dropped afterwards:
 * - SQLite: a file in a new temporary folder;
 * - MySQL/MariaDB: a uniquely named database on the server of `TEST_MYSQL_URL`
 *   (default `mysql://root@127.0.0.1:3306`).
 *
 * Which kinds run is decided once by `global-setup.ts` (MySQL left out loudly when unreachable,
 * or the run failed under `REQUIRE_MYSQL=1`, as in CI).
 */
export type DbKind = 'sqlite' | 'mysql';

export interface TestDatabase {
  kind: DbKind;
  url: string;
  drop(): Promise<void>;
}

export const MYSQL_SERVER_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** The database kinds to run a suite on, as global setup decided: SQLite always, MySQL when reachable. */
export function databaseKinds(): DbKind[] {
  return (process.env.TEST_DATABASES ?? 'sqlite,mysql').split(',') as DbKind[];
}

/** Only the MySQL kind (for suites that prove row-lock behaviour); empty when MySQL is left out. */
export function mysqlOnly(): DbKind[] {
  return databaseKinds().filter((kind) => kind === 'mysql');
}

/**
 * A suite that needs MySQL/MariaDB (row locks, several processes on one database). Where global
 * setup left MySQL out (unreachable, and not required), Jest lists it as skipped, after the loud
 * notice; under `REQUIRE_MYSQL=1` (CI) the run has already failed instead.
 */
export function describeOnMysql(name: string, suite: (kind: DbKind) => void): void {
  if (mysqlOnly().length) describe(name.replace('%s', 'mysql'), () => suite('mysql'));
  else describe.skip(name.replace('%s', 'mysql'), () => suite('mysql'));
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'payments-test-'));
    return { kind, url: `sqlite:${join(dir, 'test.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `payments_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: MYSQL_SERVER_URL });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  return {
    kind,
    url: `${MYSQL_SERVER_URL.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const connection = await createConnection({ uri: MYSQL_SERVER_URL });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}
