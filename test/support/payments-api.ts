import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import TestAgent from 'supertest/lib/agent';
import type { DataSource } from 'typeorm';
import { bearer } from './app';

/** A fresh `Idempotency-Key`: every keyed request gets its own unless the test is about keys. */
export function freshKey(): string {
  return `test-${randomUUID()}`;
}

/** The payments routes as one client sees them; keyed routes get a fresh key per call. */
export function paymentsApi(http: TestAgent, apiKey: string) {
  const auth = bearer(apiKey);
  const keyed = () => ({ ...auth, 'Idempotency-Key': freshKey() });
  const api = {
    get: (path: string) => http.get(path).set(auth),
    createAccount: (body: object) => http.post('/v1/accounts').set(auth).send(body),
    deposit: (accountId: string, amount: unknown, currency = 'usd') =>
      http.post(`/v1/accounts/${accountId}/deposits`).set(keyed()).send({ amount, currency }),
    transfer: (from: string, to: string, amount: unknown, currency = 'usd') =>
      http.post('/v1/transfers').set(keyed()).send({ from_account: from, to_account: to, amount, currency }),
    reverse: (transferId: string, amount?: number) =>
      http.post(`/v1/transfers/${transferId}/reversals`).set(keyed()).send(amount === undefined ? {} : { amount }),
    /** Opens an account and deposits `funds` into it (when positive); returns its id. */
    openAccount: async (currency = 'usd', funds = 0): Promise<string> => {
      const created = await api.createAccount({ name: `acct ${currency}`, currency });
      expect(created.status).toBe(201);
      if (funds > 0) expect((await api.deposit(created.body.id, funds, currency)).status).toBe(201);
      return created.body.id as string;
    },
    balance: async (accountId: string): Promise<number> => {
      const res = await api.get(`/v1/accounts/${accountId}`);
      expect(res.status).toBe(200);
      return res.body.balance as number;
    },
    /** Every object of a list route, following `starting_after` while `has_more`. */
    listAll: async (path: string, limit = 3): Promise<Array<Record<string, any>>> => {
      const all: Array<Record<string, any>> = [];
      const separator = path.includes('?') ? '&' : '?';
      for (let cursor: string | undefined; ; ) {
        const res = await api.get(`${path}${separator}limit=${limit}${cursor ? `&starting_after=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.object).toBe('list');
        all.push(...res.body.data);
        if (!res.body.has_more) return all;
        cursor = res.body.data[res.body.data.length - 1].id;
      }
    },
  };
  return api;
}

export type PaymentsApi = ReturnType<typeof paymentsApi>;

/** An RFC 9457 problem response with this status and `code` (and `param`, when given). */
export function expectProblem(res: Response, status: number, code: string, param?: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  if (param !== undefined) expect(res.body.param).toBe(param);
}

/**
 * The money invariants read straight from the tables: the sum of all ledger entries, and per
 * account its cached balance next to the sum of its entries.
 */
export async function auditLedger(dataSource: DataSource) {
  const [{ total }] = await dataSource.query('SELECT COALESCE(SUM(amount), 0) AS total FROM ledger_entries');
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    `SELECT a.id AS id, a.kind AS kind, a.balance AS balance, COALESCE(SUM(l.amount), 0) AS entries
       FROM accounts a LEFT JOIN ledger_entries l ON l.account_id = a.id
      GROUP BY a.id, a.kind, a.balance`,
  );
  const accounts = rows.map((row) => ({
    id: String(row.id),
    kind: String(row.kind),
    balance: Number(row.balance),
    entries: Number(row.entries),
  }));
  return {
    total: Number(total),
    accounts,
    /** Accounts whose cached balance differs from the sum of their entries. */
    drifted: accounts.filter((account) => account.balance !== account.entries),
    /** Customer accounts below zero. */
    negative: accounts.filter((account) => account.kind === 'customer' && account.balance < 0),
  };
}

/** A small seeded PRNG (mulberry32), so a random scenario replays exactly from its seed. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { int, pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)], chance: (p: number) => next() < p };
}
