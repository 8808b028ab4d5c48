import { DataSource } from 'typeorm';
import { IdempotencyCompleter } from '../src/idempotency';
import { bearer, bootTestApp, TestApp } from './support/app';
import { startTestBank, TestBank } from './support/bank';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { expectProblem, freshKey, paymentsApi, PaymentsApi } from './support/payments-api';

const BANK_TIMEOUT_MS = 500;

/**
 * POST /v1/payouts in its three phases against the bank simulator on a real socket: definite
 * answers stored and replayed, unknown ones answered 202 and resumed (never started over) by a
 * retry or by the completer, declines returning the hold, and the bank paying each payout once.
 */
describe.each(databaseKinds())('payouts on %s', (kind) => {
  let db: TestDatabase;
  let bank: TestBank;
  let t: TestApp;
  let api: PaymentsApi;
  let sql: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    bank = await startTestBank();
    t = await bootTestApp(db.url, {
      env: {
        BANK_URL: bank.url,
        BANK_TIMEOUT_MS: String(BANK_TIMEOUT_MS),
        IDEMPOTENCY_LEASE_MS: '5000',
        IDEMPOTENCY_WAIT_MS: '1000',
        COMPLETER_ENABLED: 'false',
        COMPLETER_GRACE_MS: '0',
      },
    });
    api = paymentsApi(t.http, t.apiKey);
    sql = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t?.close();
    await bank?.stop();
    await db?.drop();
  });

  const body = (account: string, amount = 1_000, extra: object = {}) => ({
    account,
    amount,
    currency: 'usd',
    destination: { bank_account: 'DE89 3704 0044' },
    ...extra,
  });
  const post = (key: string, payload: object) =>
    t.http
      .post('/v1/payouts')
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': key })
      .send(payload);

  /** What the ledger holds in transit for this client, and what its pending payouts add up to. */
  async function inTransit(): Promise<{ held: number; pending: number }> {
    const [held] = await sql.query("SELECT COALESCE(SUM(balance), 0) AS n FROM accounts WHERE kind = 'in_transit'");
    const [pending] = await sql.query("SELECT COALESCE(SUM(amount), 0) AS n FROM payouts WHERE status = 'pending'");
    return { held: Number(held.n), pending: Number(pending.n) };
  }

  async function expectLedgerBalanced(): Promise<void> {
    const [{ n }] = await sql.query('SELECT COALESCE(SUM(amount), 0) AS n FROM ledger_entries');
    expect(Number(n)).toBe(0);
    const transit = await inTransit();
    expect(transit.held).toBe(transit.pending);
  }

  it('pays out: 201 paid with Location, the bank paid once, the money settled to the outside; a retry replays the same bytes', async () => {
    const account = await api.openAccount('usd', 5_000);
    const key = freshKey();
    const first = await post(key, body(account, 1_200, { metadata: { order: '42' } }));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ object: 'payout', account, amount: 1_200, status: 'paid', failure_code: null, metadata: { order: '42' } });
    expect(first.body.id).toMatch(/^po_/);
    expect(first.body.bank_reference).toMatch(/^btr_/);
    expect(first.headers.location).toBe(`/v1/payouts/${first.body.id}`);
    const replay = await post(key, body(account, 1_200, { metadata: { order: '42' } }));
    expect({ status: replay.status, text: replay.text, replayed: replay.headers['idempotent-replayed'] }).toEqual({
      status: 201,
      text: first.text,
      replayed: 'true',
    });
    expect(await bank.transfersFor(first.body.id)).toHaveLength(1);
    expect(await api.balance(account)).toBe(3_800);
    expect((await api.get(`/v1/payouts/${first.body.id}`)).body).toEqual(first.body);
    await expectLedgerBalanced();
  });

  it('announces a final payout once, in the transaction that settles it: payout.paid, payout.failed, none while pending or for a replay', async () => {
    const account = await api.openAccount('usd', 10_000);
    const eventsOf = async (id: string) =>
      (await sql.query('SELECT type FROM events WHERE object_id = ? ORDER BY seq', [id])).map((r: { type: string }) => r.type);
    const paidKey = freshKey();
    const paid = await post(paidKey, body(account, 700));
    expect(paid.body.status).toBe('paid');
    await post(paidKey, body(account, 700));
    expect(await eventsOf(paid.body.id)).toEqual(['payout.paid']);

    await bank.fault('decline', { code: 'account_closed' });
    const failedKey = freshKey();
    const failed = await post(failedKey, body(account, 800));
    expect(failed.body.status).toBe('failed');
    await post(failedKey, body(account, 800));
    expect(await eventsOf(failed.body.id)).toEqual(['payout.failed']);

    await bank.fault('error_before');
    const pending = await post(freshKey(), body(account, 900));
    expect(pending.status).toBe(202);
    expect(await eventsOf(pending.body.id)).toEqual([]);
  });

  it.each(['account_closed', 'limit_exceeded'])('stores a decline (%s) as the answer: failed with its code, the hold returned', async (code) => {
    const account = await api.openAccount('usd', 2_000);
    const key = freshKey();
    await bank.fault('decline', { code });
    const first = await post(key, body(account, 700));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'failed', failure_code: code });
    expect(await api.balance(account)).toBe(2_000);
    const replay = await post(key, body(account, 700));
    expect({ status: replay.status, text: replay.text }).toEqual({ status: 201, text: first.text });
    expect(await bank.transfersFor(first.body.id)).toEqual([expect.objectContaining({ status: 'declined', failure_code: code })]);
    await expectLedgerBalanced();
  });

  /** Each fault leaves the outcome unknown to the app; the bank may or may not have acted. */
  const UNKNOWN_OUTCOMES: Array<[string, () => Promise<void>, boolean]> = [
    ['a 500 before the bank acted', () => bank.fault('error_before'), false],
    ['a dropped connection after the bank acted', () => bank.fault('drop_after'), true],
    ["an answer after the caller's timeout", () => bank.fault('slow_after', { delay_ms: BANK_TIMEOUT_MS * 3 }), true],
    ['an answer that is not JSON', () => bank.fault('garbage'), true],
    ['a status the bank never sends', () => bank.fault('impossible'), true],
  ];

  it.each(UNKNOWN_OUTCOMES)(
    'answers 202 pending on %s; the retry resumes (no second payout, no second hold) and the bank pays once',
    async (_name, plan, acted) => {
      const account = await api.openAccount('usd', 3_000);
      const key = freshKey();
      await plan();
      const first = await post(key, body(account, 1_000));
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({ status: 'pending', bank_reference: null });
      expect(await bank.transfersFor(first.body.id)).toHaveLength(acted ? 1 : 0);
      expect(await api.balance(account)).toBe(2_000);
      await expectLedgerBalanced();

      const retry = await post(key, body(account, 1_000));
      expect(retry.status).toBe(201);
      expect(retry.body).toMatchObject({ id: first.body.id, status: 'paid' });
      expect(await bank.transfersFor(first.body.id)).toHaveLength(1);
      const payouts = await api.listAll(`/v1/payouts?account=${account}`);
      expect(payouts.map((p) => p.id)).toEqual([first.body.id]);
      expect(await api.balance(account)).toBe(2_000);
      const replay = await post(key, body(account, 1_000));
      expect({ status: replay.status, text: replay.text }).toEqual({ status: 201, text: retry.text });
      await expectLedgerBalanced();
    },
  );

  it('answers 202 while the bank is down, and the completer finishes it once the bank is back; a retry then replays', async () => {
    const account = await api.openAccount('usd', 3_000);
    const key = freshKey();
    await fetch(`${bank.url}/_sim/down`, { method: 'POST', body: JSON.stringify({ seconds: 2 }) });
    const first = await post(key, body(account, 900));
    expect(first.status).toBe(202);
    const completer = t.app.get(IdempotencyCompleter);
    const passWhileDown = await completer.runOnce();
    expect(passWhileDown.finished).toBe(0);
    expect((await api.get(`/v1/payouts/${first.body.id}`)).body.status).toBe('pending');

    // The completer keeps asking, with backoff, until the bank says what happened.
    let finished = false;
    for (let i = 0; i < 60 && !finished; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      finished = (await completer.runOnce()).finished > 0;
    }
    expect(finished).toBe(true);
    const payout = (await api.get(`/v1/payouts/${first.body.id}`)).body;
    expect(payout.status).toBe('paid');
    expect(await bank.transfersFor(first.body.id)).toHaveLength(1);
    const retry = await post(key, body(account, 900));
    expect({ status: retry.status, replayed: retry.headers['idempotent-replayed'], payout: retry.body }).toEqual({
      status: 201,
      replayed: 'true',
      payout,
    });
    await expectLedgerBalanced();
  });

  it('refuses another body under a key that is still pending (422), and leaves the key to its own request', async () => {
    const account = await api.openAccount('usd', 3_000);
    const key = freshKey();
    await bank.fault('error_before');
    expect((await post(key, body(account, 500))).status).toBe(202);
    expectProblem(await post(key, body(account, 501)), 422, 'idempotency_key_reused');
    expect((await post(key, body(account, 500))).body.status).toBe('paid');
  });

  it('declines insufficient funds with 402, stores it, and holds nothing', async () => {
    const account = await api.openAccount('usd', 100);
    const key = freshKey();
    const first = await post(key, body(account, 101));
    expectProblem(first, 402, 'insufficient_funds');
    const replay = await post(key, body(account, 101));
    expect({ status: replay.status, text: replay.text, replayed: replay.headers['idempotent-replayed'] }).toEqual({
      status: 402,
      text: first.text,
      replayed: 'true',
    });
    expect(await api.listAll(`/v1/payouts?account=${account}`)).toEqual([]);
    expect(await api.balance(account)).toBe(100);
  });

  it('answers 404 for an unknown account and 422 for another currency, naming the account', async () => {
    expectProblem(await post(freshKey(), body('acct_doesnotexist')), 404, 'account_not_found', 'account');
    const eur = await api.openAccount('eur', 1_000);
    expectProblem(await post(freshKey(), body(eur)), 422, 'currency_mismatch');
  });

  const BAD_INPUT: Array<[string, (account: string) => object, string]> = [
    ['a missing account', (a) => ({ ...body(a), account: undefined }), 'account'],
    ['a numeric account', (a) => ({ ...body(a), account: 5 }), 'account'],
    ['a zero amount', (a) => body(a, 0), 'amount'],
    ['a fractional amount', (a) => body(a, 1.5), 'amount'],
    ['a string amount', (a) => ({ ...body(a), amount: '100' }), 'amount'],
    ['an unknown currency', (a) => ({ ...body(a), currency: 'xyz' }), 'currency'],
    ['a missing destination', (a) => ({ ...body(a), destination: undefined }), 'destination'],
    ['a destination that is a string', (a) => ({ ...body(a), destination: 'DE89' }), 'destination'],
    ['a missing bank account', (a) => ({ ...body(a), destination: {} }), 'destination[bank_account]'],
    ['a bank account with symbols', (a) => ({ ...body(a), destination: { bank_account: "1234'; DROP" } }), 'destination[bank_account]'],
    ['an unknown destination field', (a) => ({ ...body(a), destination: { bank_account: 'DE89 3704', iban: 'x' } }), 'destination[iban]'],
    ['metadata that is not strings', (a) => ({ ...body(a), metadata: { a: 1 } }), 'metadata'],
    ['an unknown field', (a) => ({ ...body(a), fee: 1 }), 'fee'],
  ];

  it.each(BAD_INPUT)('refuses %s with 400 naming the field, writing nothing', async (_name, make, param) => {
    const account = await api.openAccount('usd', 1_000);
    expectProblem(await post(freshKey(), make(account)), 400, 'validation_error', param);
    expect(await api.listAll(`/v1/payouts?account=${account}`)).toEqual([]);
  });

  it('requires a key (400 idempotency_key_missing)', async () => {
    const account = await api.openAccount('usd', 1_000);
    const res = await t.http.post('/v1/payouts').set(bearer(t.apiKey)).send(body(account));
    expectProblem(res, 400, 'idempotency_key_missing');
  });

  it("lists a client's payouts newest first, by account, and hides them from other clients (404)", async () => {
    const account = await api.openAccount('usd', 5_000);
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) ids.push((await post(freshKey(), body(account, amount))).body.id);
    expect((await api.listAll(`/v1/payouts?account=${account}`, 2)).map((p) => p.id)).toEqual(ids.reverse());
    const other = paymentsApi(t.http, await t.newClient('other'));
    expectProblem(await other.get(`/v1/payouts/${ids[0]}`), 404, 'payout_not_found');
    expect((await other.get('/v1/payouts')).body.data).toEqual([]);
    expectProblem(await api.get('/v1/payouts/po_nope'), 404, 'payout_not_found');
    expectProblem(await api.get('/v1/payouts?limit=0'), 400, 'validation_error', 'limit');
  });

  it('shows pending payouts in /metrics', async () => {
    const account = await api.openAccount('usd', 1_000);
    await bank.fault('error_before');
    expect((await post(freshKey(), body(account, 10))).status).toBe(202);
    const metrics = await t.http.get('/metrics');
    const pending = Number(/^payouts_pending (\d+)$/m.exec(metrics.text)?.[1]);
    expect(pending).toBeGreaterThanOrEqual(1);
    expect(metrics.text).toMatch(/^payouts_stuck \d+$/m);
    expect(await t.app.get(IdempotencyCompleter).runOnce()).toMatchObject({ finished: 1 });
  });
});
