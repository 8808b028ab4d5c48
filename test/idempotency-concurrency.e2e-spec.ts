import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase, describeOnMysql } from './support/databases';
import { Answer, balanceOn, bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

const REQUESTS = 100;

type Outcome = 'executed' | 'replayed' | 'in_use' | 'other';

function outcomeOf(answer: Answer): Outcome {
  if (answer.status === 201) return answer.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'executed';
  if (answer.status === 409 && answer.body?.code === 'idempotency_key_in_use') return 'in_use';
  return 'other';
}

/**
 * Contract §5.1, with real processes: N identical requests with one key, spread over two server
 * processes sharing one MariaDB database, execute exactly once. Every other answer is the replay of
 * that one, or a 409 telling the client to retry; never a 5xx, never a second transfer.
 */
describeOnMysql('one key, %s, two server processes', (kind) => {
  const apiKey = bootstrapApiKey();
  const servers: ServerProcess[] = [];
  let db: TestDatabase;
  let sql: Connection;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const env = { DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey };
    // One after the other: the second finds the migrated schema and the bootstrap client in place.
    servers.push(await startServer(env));
    servers.push(await startServer(env));
    sql = await createConnection({ uri: db.url });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await sql?.end();
    await db?.drop();
  }, 60_000);

  it(`${REQUESTS} concurrent identical transfers with one key execute exactly once; the rest are replays or 409 with Retry-After, no 5xx`, async () => {
    const [first, second] = servers;
    const from = await openAccountOn(first, apiKey);
    const to = await openAccountOn(second, apiKey);
    await depositOn(first, apiKey, from, 100_000);
    const key = `race-${randomUUID()}`;
    const body = { from_account: from, to_account: to, amount: 1_234, currency: 'usd', description: 'race' };

    const settled = await Promise.allSettled(
      Array.from({ length: REQUESTS }, (_, i) => call(servers[i % 2], apiKey, 'POST', '/v1/transfers', { body, key })),
    );
    const failed = settled.filter((result) => result.status === 'rejected');
    const answers = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const counts: Record<Outcome, number> = { executed: 0, replayed: 0, in_use: 0, other: 0 };
    for (const answer of answers) counts[outcomeOf(answer)]++;
    const byServer = [0, 1].map((s) => settled.filter((r, i) => i % 2 === s && r.status === 'fulfilled' && outcomeOf(r.value) === 'executed').length);
    console.log(
      `concurrency: ${REQUESTS} requests over 2 processes -> executed ${counts.executed} (by server: ${byServer.join('/')}), ` +
        `replayed ${counts.replayed}, 409 in_use ${counts.in_use}, other ${counts.other}, network failures ${failed.length}; ` +
        `statuses ${JSON.stringify(countBy(answers.map((a) => a.status)))}`,
    );

    expect(failed).toEqual([]);
    expect(answers.filter((answer) => answer.status >= 500).map((a) => a.text)).toEqual([]);
    expect(answers.filter((answer) => outcomeOf(answer) === 'other').map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(counts.executed).toBe(1);

    const original = answers.find((answer) => outcomeOf(answer) === 'executed')!;
    for (const answer of answers.filter((a) => a.status === 201)) {
      expect({ text: answer.text, location: answer.headers.get('location'), key: answer.headers.get('idempotency-key') }).toEqual({
        text: original.text,
        location: original.headers.get('location'),
        key,
      });
    }
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get('idempotency-key')).toBe(key);
    }

    const [transfers] = await sql.query<any[]>('SELECT id FROM transfers WHERE from_account = ?', [from]);
    expect(transfers.map((row) => row.id)).toEqual([original.body.id]);
    const [entries] = await sql.query<any[]>('SELECT account_id, amount FROM ledger_entries WHERE posting_id = ? ORDER BY amount', [original.body.id]);
    expect(entries.map((row) => [row.account_id, Number(row.amount)])).toEqual([
      [from, -1_234],
      [to, 1_234],
    ]);
    const [keys] = await sql.query<any[]>('SELECT status, response_status FROM idempotency_keys WHERE idempotency_key = ?', [key]);
    expect(keys).toEqual([{ status: 'completed', response_status: 201 }]);
    expect([await balanceOn(first, apiKey, from), await balanceOn(second, apiKey, to)]).toEqual([100_000 - 1_234, 1_234]);
  }, 120_000);
});

function countBy(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
