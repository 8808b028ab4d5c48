import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { bootTestApp, TestApp } from './support/app';
import { createTestDatabase, TestDatabase, describeOnMysql } from './support/databases';
import { auditLedger, expectProblem, paymentsApi, PaymentsApi, seededRandom } from './support/payments-api';

/** The random plan replays exactly from this seed (override with TEST_SEED). */
const SEED = Number(process.env.TEST_SEED ?? 20251127);
const FUNDS = 1000;

interface Planned {
  from: string;
  to: string;
  amount: number;
}

/** Statuses that are neither a success nor the expected decline, with their codes, for a readable failure. */
function unexpected(responses: Response[], allowed: number[]): string[] {
  return responses.filter((res) => !allowed.includes(res.status)).map((res) => `${res.status} ${res.body?.code}`);
}

/** Balances after applying the succeeded transfers to FUNDS on every account. */
function expectedBalances(accounts: string[], plan: Planned[], responses: Response[]): Map<string, number> {
  const balances = new Map(accounts.map((id) => [id, FUNDS]));
  plan.forEach((p, i) => {
    if (responses[i].status !== 201) return;
    balances.set(p.from, balances.get(p.from)! - p.amount);
    balances.set(p.to, balances.get(p.to)! + p.amount);
  });
  return balances;
}

describeOnMysql('concurrent money movement on %s (row locks)', (kind) => {
  let db: TestDatabase;
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await bootTestApp(db.url);
    dataSource = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const fundedAccounts = async (api: PaymentsApi, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await api.openAccount('usd', FUNDS));
    return ids;
  };

  /** The money invariants from the tables and through the API, for the given accounts. */
  const expectLedgerConsistent = async (api: PaymentsApi, expected: Map<string, number>) => {
    for (const [id, balance] of expected) {
      expect(await api.balance(id)).toBe(balance);
      const entries = await api.listAll(`/v1/accounts/${id}/ledger`, 25);
      expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
    }
    const audit = await auditLedger(dataSource);
    expect(audit.total).toBe(0);
    expect(audit.drifted).toEqual([]);
    expect(audit.negative).toEqual([]);
  };

  it('40 random concurrent transfers in both directions between 4 accounts leave the ledger balanced, no balance negative and no 5xx', async () => {
    const api = paymentsApi(t.http, await t.newClient('random-transfers'));
    const accounts = await fundedAccounts(api, 4);
    const rand = seededRandom(SEED);
    const plan: Planned[] = Array.from({ length: 40 }, () => {
      const from = rand.pick(accounts);
      return { from, to: rand.pick(accounts.filter((id) => id !== from)), amount: rand.int(1, 600) };
    });
    expect(plan.some((p) => plan.some((q) => q.from === p.to && q.to === p.from))).toBe(true); // both directions in play

    const responses = await Promise.all(plan.map((p) => api.transfer(p.from, p.to, p.amount)));

    expect(unexpected(responses, [201, 402])).toEqual([]);
    const succeeded = responses.filter((res) => res.status === 201);
    const declined = responses.filter((res) => res.status === 402);
    declined.forEach((res) => expectProblem(res, 402, 'insufficient_funds'));
    expect(succeeded.length + declined.length).toBe(plan.length);
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM transfers WHERE from_account IN (?)', [accounts]);
    expect(Number(n)).toBe(succeeded.length);
    expect(new Set(succeeded.map((res) => res.body.id)).size).toBe(succeeded.length);

    const expected = expectedBalances(accounts, plan, responses);
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(4 * FUNDS);
    await expectLedgerConsistent(api, expected);
  });

  it('40 concurrent opposite transfers between the same two accounts all succeed, none deadlocks into a 5xx', async () => {
    const api = paymentsApi(t.http, await t.newClient('opposite-transfers'));
    const [a, b] = await fundedAccounts(api, 2);
    const plan: Planned[] = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? { from: a, to: b, amount: 10 } : { from: b, to: a, amount: 7 }));

    const responses = await Promise.all(plan.map((p) => api.transfer(p.from, p.to, p.amount)));

    expect(unexpected(responses, [201])).toEqual([]);
    await expectLedgerConsistent(api, new Map([[a, FUNDS - 60], [b, FUNDS + 60]]));
  });

  it('20 concurrent reversals of one transfer never reverse more than was sent', async () => {
    const api = paymentsApi(t.http, await t.newClient('concurrent-reversals'));
    const [from, to] = await fundedAccounts(api, 2);
    const transfer = (await api.transfer(from, to, 1000)).body;

    const responses = await Promise.all(Array.from({ length: 20 }, () => api.reverse(transfer.id, 100)));

    expect(unexpected(responses, [201, 422])).toEqual([]);
    expect(responses.filter((res) => res.status === 201)).toHaveLength(10);
    responses.filter((res) => res.status === 422).forEach((res) => expectProblem(res, 422, 'amount_exceeds_refundable'));
    expect((await api.get(`/v1/transfers/${transfer.id}`)).body.amount_reversed).toBe(1000);
    await expectLedgerConsistent(api, new Map([[from, FUNDS], [to, FUNDS]]));
  });
});
