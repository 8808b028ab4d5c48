import { randomUUID } from 'node:crypto';
import { startTestBank, TestBank } from './support/bank';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { firstValue, payoutLedgerCheck, scalar } from './support/payout-processes';
import { Answer, bootstrapApiKey, call, depositOn, openAccountOn } from './support/process-client';
import { ServerProcess, startServer } from './support/server-process';

/**
 * Every bank fault, with the same payout retried at once from two app processes (two clients on
 * each) sharing one MariaDB database: whatever the bank does, it pays the payout at most once,
 * one process at a time works on the key (the others get 409 or wait), and every client ends
 * with the same final body.
 */
describeOnMysql('payouts under bank faults, retried from two processes at once, on %s', (kind) => {
  const apiKey = bootstrapApiKey();
  let db: TestDatabase;
  let bank: TestBank;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    bank = await startTestBank();
    const env = {
      DATABASE_URL: db.url,
      BOOTSTRAP_API_KEY: apiKey,
      BANK_URL: bank.url,
      BANK_TIMEOUT_MS: '800',
      IDEMPOTENCY_LEASE_MS: '4000',
      IDEMPOTENCY_WAIT_MS: '300',
      COMPLETER_ENABLED: 'false',
    };
    // One after the other: both run migrations at start-up.
    servers.push(await startServer(env));
    servers.push(await startServer(env));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await bank?.stop();
    await db?.drop();
  }, 60_000);

  /** A client retrying the same request until it gets a final (201) answer. */
  async function retryUntilFinal(server: ServerProcess, body: object, key: string, seen: Record<string, number>): Promise<Answer> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const answer = await call(server, apiKey, 'POST', '/v1/payouts', { body, key }).catch(() => undefined);
      const label = answer ? String(answer.status) : 'network';
      seen[label] = (seen[label] ?? 0) + 1;
      if (answer && answer.status !== 202 && answer.status !== 409 && answer.status !== 503) return answer;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(Math.random() * 100)));
    }
    throw new Error(`no final answer for ${key}: ${JSON.stringify(seen)}`);
  }

  const FAULTS: Array<[string, () => Promise<unknown>, 'paid' | 'failed']> = [
    ['500 before acting', () => bank.fault('error_before'), 'paid'],
    ['act, then drop the connection', () => bank.fault('drop_after'), 'paid'],
    ["act, then answer after the caller's timeout", () => bank.fault('slow_after', { delay_ms: 2_000 }), 'paid'],
    ['decline account_closed', () => bank.fault('decline', { code: 'account_closed' }), 'failed'],
    ['decline limit_exceeded', () => bank.fault('decline', { code: 'limit_exceeded' }), 'failed'],
    ['answer garbage', () => bank.fault('garbage'), 'paid'],
    ['answer a status it never sends', () => bank.fault('impossible'), 'paid'],
    ['down for 2 seconds', () => fetch(`${bank.url}/_sim/down`, { method: 'POST', body: JSON.stringify({ seconds: 2 }) }), 'paid'],
  ];

  it.each(FAULTS)(
    'bank fault "%s": one bank transfer, one payout, every client gets the same final body',
    async (_name, plan, expected) => {
      const account = await openAccountOn(servers[0], apiKey);
      await depositOn(servers[0], apiKey, account, 10_000);
      const key = `payout-fault-${randomUUID()}`;
      const body = { account, amount: 2_500, currency: 'usd', destination: { bank_account: 'GB29 NWBK 6016' } };
      await plan();
      const seen: Record<string, number> = {};
      const answers = await Promise.all([0, 1, 0, 1].map((i) => retryUntilFinal(servers[i], body, key, seen)));

      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
      const payout = answers[0].body;
      expect(payout.status).toBe(expected);
      expect(await scalar(kind, db.url, 'SELECT COUNT(*) AS n FROM payouts WHERE account_id = ?', [account])).toBe(1);
      expect(String(await firstValue(kind, db.url, 'SELECT id FROM payouts WHERE account_id = ?', [account]))).toBe(payout.id);
      const transfers = await bank.transfersFor(payout.id);
      expect(transfers).toHaveLength(1);
      expect(transfers[0].status).toBe(expected === 'paid' ? 'paid' : 'declined');
      expect((await call(servers[1], apiKey, 'GET', `/v1/accounts/${account}`)).body.balance).toBe(expected === 'paid' ? 7_500 : 10_000);
      const ledger = await payoutLedgerCheck(kind, db.url);
      expect(ledger.sum).toBe(0);
      expect(ledger.inTransit).toBe(ledger.pending);
    },
    120_000,
  );

  it('keeps many payouts exactly once while the bank faults at random and two processes take retries', async () => {
    const account = await openAccountOn(servers[0], apiKey);
    await depositOn(servers[0], apiKey, account, 1_000_000);
    await bank.randomFaults(0.5, 1_500);
    const seen: Record<string, number> = {};
    const requests = Array.from({ length: 24 }, (_, i) => ({
      key: `payout-random-${randomUUID()}`,
      body: { account, amount: 100 + i, currency: 'usd', destination: { bank_account: 'GB29 NWBK 6016' } },
    }));
    const finals = await Promise.all(
      requests.map(async (request, i) => {
        const [a, b] = await Promise.all([
          retryUntilFinal(servers[i % 2], request.body, request.key, seen),
          retryUntilFinal(servers[(i + 1) % 2], request.body, request.key, seen),
        ]);
        expect(a.text).toBe(b.text);
        return a.body;
      }),
    );
    await bank.randomFaults(0);
    const stats = await bank.stats();
    expect(stats.duplicate_references).toBe(0);
    for (const payout of finals) expect(await bank.transfersFor(payout.id)).toHaveLength(1);
    const paid = finals.filter((p) => p.status === 'paid');
    expect(paid.length + finals.filter((p) => p.status === 'failed').length).toBe(requests.length);
    const balance = (await call(servers[0], apiKey, 'GET', `/v1/accounts/${account}`)).body.balance;
    expect(balance).toBe(1_000_000 - paid.reduce((sum, p) => sum + p.amount, 0));
    const ledger = await payoutLedgerCheck(kind, db.url);
    expect(ledger.sum).toBe(0);
    expect(ledger.inTransit).toBe(0);
    expect(ledger.pending).toBe(0);
    expect(seen['202'] ?? 0).toBeGreaterThan(0); // the faults did make outcomes unknown
  }, 300_000);
});
