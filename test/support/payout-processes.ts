import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DbKind } from './databases';

const WORKER = join(__dirname, '..', '..', 'dist', 'src', 'worker.js');

export interface WorkerProcess {
  output(): string;
  kill(): Promise<void>;
}

/** `npm run worker` as a real process (the completer without HTTP); resolves once it runs. */
export async function startWorker(env: Record<string, string>, timeoutMs = 30_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, MIGRATIONS_RUN: 'true', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk;
      if (out.includes('worker running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}:\n${out}`));
    });
  });
  return {
    output: () => out,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One number from the test database, read straight from it (SQLite file or MySQL/MariaDB). */
export async function scalar(kind: DbKind, url: string, sql: string, parameters: unknown[] = []): Promise<number> {
  return Number(await firstValue(kind, url, sql, parameters));
}

/** The first column of the first row, read straight from the test database. */
export async function firstValue(kind: DbKind, url: string, sql: string, parameters: unknown[] = []): Promise<unknown> {
  if (kind === 'mysql') {
    const connection = await createConnection({ uri: url });
    try {
      const [rows] = await connection.query(sql, parameters);
      return Object.values((rows as Array<Record<string, unknown>>)[0])[0];
    } finally {
      await connection.end();
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3');
  const db = new Database(url.slice('sqlite:'.length), { readonly: true });
  try {
    return Object.values(db.prepare(sql).get(...parameters) as Record<string, unknown>)[0];
  } finally {
    db.close();
  }
}

/** The ledger's backstop after a payout: all entries sum to zero; in transit = pending payouts. */
export async function payoutLedgerCheck(kind: DbKind, url: string): Promise<{ sum: number; inTransit: number; pending: number }> {
  return {
    sum: await scalar(kind, url, 'SELECT COALESCE(SUM(amount), 0) AS n FROM ledger_entries'),
    inTransit: await scalar(kind, url, "SELECT COALESCE(SUM(balance), 0) AS n FROM accounts WHERE kind = 'in_transit'"),
    pending: await scalar(kind, url, "SELECT COALESCE(SUM(amount), 0) AS n FROM payouts WHERE status = 'pending'"),
  };
}
