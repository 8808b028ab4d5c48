import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mysql2/promise';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { Answer, bootstrapApiKey, call, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

const REQUESTS = 25;
const ROUNDS = 3;

type Outcome = 'declined' | 'replayed' | 'in_use' | 'other';

function outcomeOf(answer: Answer): Outcome {
  if (answer.status === 402 && answer.body?.code === 'insufficient_funds') {
    return answer.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'declined';
  }
  if (answer.status === 409 && answer.body?.code === 'idempotency_key_in_use') return 'in_use';
  return 'other';
}

/**
 * Concurrent duplicates of a declined request, on a real server process over MariaDB, both adapters:
 * 25 identical keyed transfers at once from an empty account, with a key of the client's and with a
 * key the server minted. The decline is recorded in a second transaction after the handler's rolled
 * back, while the duplicates fight over the key row (InnoDB reports deadlocks among such inserts and
 * updates). Every answer must be the 402 (executed or replayed, byte for byte) or a 409 with
 * Retry-After: a deadlock is never "store unavailable", never any 5xx. No money moves; the key ends
 * completed with the 402.
 */
describeOnMysql('concurrent duplicates of a declined transfer on %s', (kind) => {
  describe.each(['express', 'fastify'])('%s', (adapter) => {
    const apiKey = bootstrapApiKey();
    let db: TestDatabase;
    let server: ServerProcess;
    let sql: Connection;

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      server = await startServer({ DATABASE_URL: db.url, BOOTSTRAP_API_KEY: apiKey, HTTP_ADAPTER: adapter });
      sql = await createConnection({ uri: db.url });
    }, 120_000);
    afterAll(async () => {
      await server?.kill();
      await sql?.end();
      await db?.drop();
    }, 60_000);

    async function race(label: string, key: () => Promise<string>) {
      const from = await openAccountOn(server, apiKey);
      const to = await openAccountOn(server, apiKey);
      const body = { from_account: from, to_account: to, amount: 1_000, currency: 'usd' };
      const counts: Record<Outcome, number> = { declined: 0, replayed: 0, in_use: 0, other: 0 };
      const others: string[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const k = await key();
        const answers = await Promise.all(Array.from({ length: REQUESTS }, () => call(server, apiKey, 'POST', '/v1/transfers', { body, key: k })));
        for (const answer of answers) {
          const outcome = outcomeOf(answer);
          counts[outcome]++;
          if (outcome === 'other') others.push(`${answer.status} ${answer.text}`);
        }
        const declines = answers.filter((answer) => answer.status === 402);
        expect(declines.length).toBeGreaterThan(0);
        for (const answer of declines) {
          expect({ text: answer.text, key: answer.headers.get('idempotency-key') }).toEqual({ text: declines[0].text, key: k });
        }
        for (const answer of answers.filter((a) => a.status === 409)) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        const [keys] = await sql.query<any[]>('SELECT status, response_status FROM idempotency_keys WHERE idempotency_key = ?', [k]);
        expect(keys).toEqual([{ status: 'completed', response_status: 402 }]);
      }
      console.log(
        `${adapter}, ${label}: ${ROUNDS} rounds of ${REQUESTS} -> 402 executed ${counts.declined}, 402 replayed ${counts.replayed}, ` +
          `409 in_use ${counts.in_use}, other ${counts.other}`,
      );
      expect(others).toEqual([]);
      expect(await count('transfers', 'from_account = ?', [from])).toBe(0);
      expect(await count('ledger_entries', 'account_id IN (?, ?)', [from, to])).toBe(0);
    }

    async function count(table: string, where: string, parameters: unknown[]): Promise<number> {
      const [rows] = await sql.query<any[]>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, parameters);
      return Number(rows[0].n);
    }

    it(`${REQUESTS} at once with the client's own key: every answer is the 402 or a 409, never a 5xx`, async () => {
      await race("client's key", async () => `declined-${randomUUID()}`);
    }, 120_000);

    it(`${REQUESTS} at once with a server-minted key: every answer is the 402 or a 409, never a 5xx`, async () => {
      await race('minted key', async () => {
        const minted = await call(server, apiKey, 'POST', '/v1/idempotency-keys', { body: { purpose: 'transfers.create' } });
        expect(minted.status).toBe(201);
        return minted.body.key as string;
      });
    }, 120_000);
  });
});
