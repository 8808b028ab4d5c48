import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DbKind } from './args';

/** A freshly created database for one server process; `drop()` removes it. */
export interface BenchDatabase {
  kind: DbKind;
  url: string;
  /** MySQL only: the database (schema) name. */
  name?: string;
  drop(): Promise<void>;
}

export async function createDatabase(kind: DbKind, mysqlUrl: string, label: string): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `payments-bench-${label}-`));
    return { kind, url: `sqlite:${join(dir, 'bench.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `payments_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: mysqlUrl });
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  return {
    kind,
    name,
    url: `${mysqlUrl.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const connection = await createConnection({ uri: mysqlUrl });
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}

/** "MariaDB 10.11.6" / "SQLite 3.46.1": the database the numbers were taken on. */
export async function databaseVersion(kind: DbKind, mysqlUrl: string): Promise<string> {
  if (kind === 'sqlite') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Sqlite = require('better-sqlite3') as new (file: string) => { prepare(sql: string): { get(): { v: string } }; close(): void };
    const db = new Sqlite(':memory:');
    try {
      return `SQLite ${db.prepare('SELECT sqlite_version() AS v').get().v}`;
    } finally {
      db.close();
    }
  }
  const connection = await createConnection({ uri: mysqlUrl });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS v');
    const version = String((rows as Array<{ v: string }>)[0].v);
    return /mariadb/i.test(version) ? `MariaDB ${version.replace(/-MariaDB.*$/i, '')}` : `MySQL ${version}`;
  } finally {
    await connection.end();
  }
}

/** The same database over the server's Unix socket: `mysql://user@localhost/db?socket=/path` (DATABASE_URL's socket form). */
export function withSocket(databaseUrl: string, socketPath: string): string {
  const url = new URL(databaseUrl);
  url.hostname = 'localhost';
  url.port = '';
  url.searchParams.set('socket', socketPath);
  return url.toString();
}
