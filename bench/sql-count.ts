/**
 * Counts the SQL statements (= round trips) one POST /v1/transfers costs on MySQL/MariaDB, per
 * scenario, from the server's general query log: baseline (IDEMPOTENCY_ENABLED=false), first
 * execution, replay, and contended (8 identical requests with one fresh key sent at once). The log is switched on (into the mysql.general_log table) only around a few
 * sequential requests, for the server's own connections, then the previous settings are restored.
 *
 *   node dist/bench/sql-count.js [--requests 20]      (BENCH_MYSQL_URL, default mysql://root@127.0.0.1:3306)
 */
import { randomBytes } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createDatabase } from './database';
import { logged } from './general-log';
import { Api, authHeaders, completeReplayPool, prepareAccounts, randomTransfer, uniqueKey } from './fixtures';
import { startServer } from './server';

const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A statement with its literals replaced, so that requests group together. */
function normalize(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .replace(/(\?, )+\?/g, '…')
    .trim()
    .slice(0, 110);
}

async function send(api: Api, key: string, body: string): Promise<number> {
  const res = await fetch(`${api.url}/v1/transfers`, { method: 'POST', headers: { ...authHeaders(api), 'idempotency-key': key }, body });
  await res.text();
  return res.status;
}

/** Sends `n` requests, `concurrency` at a time (all of a batch at once), and tallies their statuses. */
async function batches(api: Api, n: number, concurrency: number, next: () => { key: string; body: string }, statuses: Map<number, number>) {
  for (let sent = 0; sent < n; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, n - sent) }, () => next());
    for (const status of await Promise.all(batch.map(({ key, body }) => send(api, key, body)))) {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }
}

async function deadlocks(admin: Connection): Promise<number> {
  const [[row]] = (await admin.query("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")) as any;
  return Number(row?.Value ?? NaN);
}

async function measure(
  admin: Connection,
  label: string,
  database: string,
  n: number,
  next: () => { key: string; body: string },
  api: Api,
  concurrency = 1,
) {
  await batches(api, 3 * concurrency, concurrency, next, new Map()); // warm: pool connections and caches exist before logging
  const single = await logged(admin, database, () => batches(api, concurrency, concurrency, next, new Map()));
  const statuses = new Map<number, number>();
  const deadlocksBefore = await deadlocks(admin);
  const rows = await logged(admin, database, () => batches(api, n, concurrency, next, statuses));
  const deadlocksDuring = (await deadlocks(admin)) - deadlocksBefore;
  const groups = new Map<string, number>();
  for (const row of rows) groups.set(normalize(row.argument), (groups.get(normalize(row.argument)) ?? 0) + 1);
  const how = concurrency === 1 ? 'sequential requests' : `requests, ${concurrency} at once per key`;
  console.log(`\n## ${label}: ${(rows.length / n).toFixed(2)} statements per request (${rows.length} for ${n} ${how})`);
  console.log(`statuses: ${[...statuses].map(([status, count]) => `${count}×${status}`).join(', ')}; InnoDB deadlocks meanwhile: ${deadlocksDuring}`);
  console.log(concurrency === 1 ? '\none request, in order:' : `\none batch of ${concurrency} on one key, in order:`);
  single.forEach((row, i) => console.log(`  ${String(i + 1).padStart(2)}. [conn ${row.thread_id}] ${normalize(row.argument)}`));
  console.log('\nper request, by statement:');
  for (const [sql, count] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${(count / n).toFixed(2).padStart(5)}  ${sql}`);
  return rows.length / n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const n = argv.includes('--requests') ? Number(argv[argv.indexOf('--requests') + 1]) : 20;
  const admin = await createConnection({ uri: MYSQL_URL });
  const [[{ empty }]] = (await admin.query('SELECT COUNT(*) = 0 AS empty FROM mysql.general_log')) as any;
  const totals: Record<string, number> = {};
  try {
    for (const enabled of [false, true]) {
      const db = await createDatabase('mysql', MYSQL_URL, enabled ? 'sqlidem' : 'sqlbase');
      const apiKey = `sk_bench_${randomBytes(16).toString('hex')}`;
      const server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, IDEMPOTENCY_ENABLED: String(enabled) });
      try {
        const api = { url: server.url, apiKey };
        const accounts = await prepareAccounts(api);
        const fresh = () => ({ key: uniqueKey('sql'), body: randomTransfer(accounts) });
        if (!enabled) {
          totals.baseline = await measure(admin, 'baseline (IDEMPOTENCY_ENABLED=false)', db.name!, n, fresh, api);
          continue;
        }
        totals.first = await measure(admin, 'first execution', db.name!, n, fresh, api);
        const pool = await completeReplayPool(api, accounts, 50);
        let i = 0;
        totals.replay = await measure(admin, 'replay', db.name!, n, () => pool[i++ % pool.length], api);
        let j = 0;
        let hot = fresh();
        const contended = () => (j++ % 8 === 0 ? (hot = fresh()) : hot);
        totals.contended = await measure(admin, 'contended (8 identical requests at once)', db.name!, 8 * Math.ceil(n / 2), contended, api, 8);
      } finally {
        await server.stop();
        await db.drop();
      }
    }
  } finally {
    if (Number(empty)) await admin.query('TRUNCATE TABLE mysql.general_log');
    await admin.end();
  }
  console.log(`\nstatements per request: ${Object.entries(totals).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
}

main().catch((error) => {
  console.error(`sql-count failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
