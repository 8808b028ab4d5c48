import { DataSource } from 'typeorm';
import { bearer, bootTestApp, HttpAdapterKind, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { auditLedger, expectProblem, paymentsApi, PaymentsApi, seededRandom } from './support/payments-api';

const ADAPTERS: HttpAdapterKind[] = ['express', 'fastify'];
/** The random scenario replays exactly from this seed (override with TEST_SEED). */
const SEED = Number(process.env.TEST_SEED ?? 20251127);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(databaseKinds())('payments API on %s', (kind) => {
  describe.each(ADAPTERS)('over %s', (adapter) => {
    let db: TestDatabase;
    let t: TestApp;
    let api: PaymentsApi;

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      t = await bootTestApp(db.url, { adapter });
      api = paymentsApi(t.http, t.apiKey);
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    /** A client of its own, so that its lists hold only what the test created. */
    const freshClient = async () => paymentsApi(t.http, await t.newClient());

    describe('accounts', () => {
      it('an account created from a JSON body answers 201 with a Location that retrieves it', async () => {
        const res = await api.createAccount({ name: 'Savings', currency: 'usd', metadata: { owner: 'ana' } });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({
          id: expect.stringMatching(/^acct_/),
          object: 'account',
          name: 'Savings',
          currency: 'usd',
          balance: 0,
          metadata: { owner: 'ana' },
          created_at: expect.stringMatching(ISO_UTC),
        });
        expect(res.headers.location).toBe(`/v1/accounts/${res.body.id}`);
        const retrieved = await api.get(res.headers.location);
        expect(retrieved.status).toBe(200);
        expect(retrieved.body).toEqual(res.body);
      });

      it('an account created from a form-encoded body reads bracket-notation metadata', async () => {
        const res = await t.http.post('/v1/accounts').set(bearer(t.apiKey)).type('form').send('name=Shop&currency=eur&metadata[order]=42');
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ object: 'account', name: 'Shop', currency: 'eur', balance: 0, metadata: { order: '42' } });
        expect(res.headers.location).toBe(`/v1/accounts/${res.body.id}`);
      });

      it('the account list is newest first and its cursor pages visit every account exactly once', async () => {
        const client = await freshClient();
        const created: string[] = [];
        for (let i = 0; i < 5; i++) created.push(await client.openAccount());
        expect((await client.listAll('/v1/accounts', 2)).map((a) => a.id)).toEqual([...created].reverse());

        const firstPage = await client.get('/v1/accounts?limit=4');
        expect(firstPage.body).toMatchObject({ object: 'list', has_more: true });
        expect(firstPage.body.data.map((a: { id: string }) => a.id)).toEqual(created.slice(1).reverse());
        const lastPage = await client.get(`/v1/accounts?limit=4&starting_after=${created[1]}`);
        expect(lastPage.body).toEqual({ object: 'list', data: [expect.objectContaining({ id: created[0] })], has_more: false });
        expect((await client.get('/v1/accounts?limit=5')).body.has_more).toBe(false);
      });
    });

    describe('moving money', () => {
      it('a deposit credits the account and appears in its ledger', async () => {
        const id = await api.openAccount();
        const res = await api.deposit(id, 2500);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ id: expect.stringMatching(/^dep_/), object: 'deposit', account: id, amount: 2500, currency: 'usd' });
        expect(await api.balance(id)).toBe(2500);
        expect(await api.listAll(`/v1/accounts/${id}/ledger`)).toEqual([
          expect.objectContaining({ object: 'ledger_entry', account: id, amount: 2500, posting: res.body.id, posting_type: 'deposit' }),
        ]);
      });

      it('a transfer moves money and answers 201 with a Location that retrieves it', async () => {
        const [from, to] = [await api.openAccount('usd', 1000), await api.openAccount()];
        const res = await api.transfer(from, to, 400);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({
          id: expect.stringMatching(/^tr_/),
          object: 'transfer',
          amount: 400,
          currency: 'usd',
          from_account: from,
          to_account: to,
          amount_reversed: 0,
          status: 'succeeded',
          created_at: expect.stringMatching(ISO_UTC),
        });
        expect(res.headers.location).toBe(`/v1/transfers/${res.body.id}`);
        expect((await api.get(res.headers.location)).body).toEqual(res.body);
        expect([await api.balance(from), await api.balance(to)]).toEqual([600, 400]);
        const [latest] = await api.listAll(`/v1/accounts/${from}/ledger`);
        expect(latest).toMatchObject({ amount: -400, posting: res.body.id, posting_type: 'transfer' });
      });

      it('a partial reversal returns part of a transfer and a reversal without amount returns all that is left', async () => {
        const [from, to] = [await api.openAccount('usd', 1000), await api.openAccount()];
        const transfer = (await api.transfer(from, to, 1000)).body;

        const partial = await api.reverse(transfer.id, 300);
        expect(partial.status).toBe(201);
        expect(partial.body).toMatchObject({ id: expect.stringMatching(/^trr_/), object: 'reversal', transfer: transfer.id, amount: 300 });
        expect((await api.get(`/v1/transfers/${transfer.id}`)).body.amount_reversed).toBe(300);
        expect([await api.balance(from), await api.balance(to)]).toEqual([300, 700]);

        const rest = await api.reverse(transfer.id);
        expect(rest.status).toBe(201);
        expect(rest.body.amount).toBe(700);
        expect((await api.get(`/v1/transfers/${transfer.id}`)).body.amount_reversed).toBe(1000);
        expect([await api.balance(from), await api.balance(to)]).toEqual([1000, 0]);
        expectProblem(await api.reverse(transfer.id), 422, 'amount_exceeds_refundable');
      });

      it('the transfer list is newest first and the account filter keeps transfers from or to that account', async () => {
        const client = await freshClient();
        const [a, b, c] = [await client.openAccount('usd', 100), await client.openAccount('usd', 100), await client.openAccount('usd', 100)];
        const ids: string[] = [];
        for (const [from, to] of [[a, b], [b, c], [c, a], [a, c], [b, a]]) ids.push((await client.transfer(from, to, 10)).body.id);
        expect((await client.listAll('/v1/transfers', 2)).map((tr) => tr.id)).toEqual([...ids].reverse());
        expect((await client.listAll(`/v1/transfers?account=${b}`, 2)).map((tr) => tr.id)).toEqual([ids[4], ids[1], ids[0]]);
      });

      it('after a random mix of deposits, transfers and reversals every balance equals its ledger entries and the ledger sums to zero', async () => {
        const rand = seededRandom(SEED);
        const client = await freshClient();
        const accounts: string[] = [];
        for (let i = 0; i < 4; i++) accounts.push(await client.openAccount());
        const expected = new Map(accounts.map((id) => [id, 0]));
        const move = (from: string, to: string, amount: number) => {
          expected.set(from, expected.get(from)! - amount);
          expected.set(to, expected.get(to)! + amount);
        };
        const transfers: Array<{ id: string; from: string; to: string; left: number }> = [];

        for (let step = 0; step < 40; step++) {
          const op = transfers.length === 0 ? rand.pick(['deposit', 'transfer']) : rand.pick(['deposit', 'transfer', 'transfer', 'reversal']);
          if (op === 'deposit') {
            const [to, amount] = [rand.pick(accounts), rand.int(1, 5000)];
            expect((await client.deposit(to, amount)).status).toBe(201);
            expected.set(to, expected.get(to)! + amount);
          } else if (op === 'transfer') {
            const from = rand.pick(accounts);
            const to = rand.pick(accounts.filter((id) => id !== from));
            const amount = rand.int(1, 4000);
            const res = await client.transfer(from, to, amount);
            if (expected.get(from)! < amount) expectProblem(res, 402, 'insufficient_funds');
            else {
              expect(res.status).toBe(201);
              move(from, to, amount);
              transfers.push({ id: res.body.id, from, to, left: amount });
            }
          } else {
            const tr = rand.pick(transfers);
            const requested = rand.chance(0.5) ? undefined : rand.int(1, tr.left + 100);
            const amount = requested ?? tr.left;
            const res = await client.reverse(tr.id, requested);
            if (amount === 0 || amount > tr.left) expectProblem(res, 422, 'amount_exceeds_refundable');
            else if (expected.get(tr.to)! < amount) expectProblem(res, 402, 'insufficient_funds');
            else {
              expect(res.status).toBe(201);
              move(tr.to, tr.from, amount);
              tr.left -= amount;
            }
          }
        }

        for (const id of accounts) {
          const balance = await client.balance(id);
          expect(balance).toBe(expected.get(id));
          const entries = await client.listAll(`/v1/accounts/${id}/ledger`, 7);
          expect(entries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(balance);
        }
        const audit = await auditLedger(t.app.get(DataSource));
        expect(audit.total).toBe(0);
        expect(audit.drifted).toEqual([]);
        expect(audit.negative).toEqual([]);
      });
    });

    describe('business errors', () => {
      it('a transfer larger than the source balance is declined 402 insufficient_funds and moves nothing', async () => {
        const [from, to] = [await api.openAccount('usd', 100), await api.openAccount()];
        expectProblem(await api.transfer(from, to, 101), 402, 'insufficient_funds');
        expect([await api.balance(from), await api.balance(to)]).toEqual([100, 0]);
      });

      it('an unknown account id is 404 account_not_found on retrieve, ledger, deposit and either side of a transfer', async () => {
        const real = await api.openAccount('usd', 100);
        expectProblem(await api.get('/v1/accounts/acct_doesnotexist'), 404, 'account_not_found');
        expectProblem(await api.get('/v1/accounts/acct_doesnotexist/ledger'), 404, 'account_not_found');
        expectProblem(await api.deposit('acct_doesnotexist', 100), 404, 'account_not_found');
        expectProblem(await api.transfer('acct_doesnotexist', real, 10), 404, 'account_not_found');
        expectProblem(await api.transfer(real, 'acct_doesnotexist', 10), 404, 'account_not_found');
        expect(await api.balance(real)).toBe(100);
      });

      it('an unknown transfer id is 404 transfer_not_found on retrieve and on reversal', async () => {
        expectProblem(await api.get('/v1/transfers/tr_doesnotexist'), 404, 'transfer_not_found');
        expectProblem(await api.reverse('tr_doesnotexist', 10), 404, 'transfer_not_found');
      });

      it('an amount in another currency than the account holds is 422 currency_mismatch', async () => {
        const [usd, eur] = [await api.openAccount('usd', 500), await api.openAccount('eur', 500)];
        expectProblem(await api.deposit(usd, 100, 'eur'), 422, 'currency_mismatch');
        expectProblem(await api.transfer(usd, eur, 100, 'usd'), 422, 'currency_mismatch');
        expectProblem(await api.transfer(usd, eur, 100, 'eur'), 422, 'currency_mismatch');
        expect([await api.balance(usd), await api.balance(eur)]).toEqual([500, 500]);
      });

      it('a transfer from an account to itself is 422 same_account', async () => {
        const id = await api.openAccount('usd', 500);
        expectProblem(await api.transfer(id, id, 100), 422, 'same_account');
        expect(await api.balance(id)).toBe(500);
      });

      it('a reversal larger than what is left of the transfer is 422 amount_exceeds_refundable', async () => {
        const [from, to] = [await api.openAccount('usd', 500), await api.openAccount()];
        const transfer = (await api.transfer(from, to, 200)).body;
        expectProblem(await api.reverse(transfer.id, 201), 422, 'amount_exceeds_refundable', 'amount');
        expect((await api.reverse(transfer.id, 150)).status).toBe(201);
        expectProblem(await api.reverse(transfer.id, 51), 422, 'amount_exceeds_refundable', 'amount');
        expect([await api.balance(from), await api.balance(to)]).toEqual([450, 50]);
      });

      it('deposits, transfers and reversals without an Idempotency-Key are 400 idempotency_key_missing and move nothing', async () => {
        const [from, to] = [await api.openAccount('usd', 500), await api.openAccount()];
        const transfer = (await api.transfer(from, to, 100)).body;
        const auth = bearer(t.apiKey);
        const missing = (res: Parameters<typeof expectProblem>[0]) => expectProblem(res, 400, 'idempotency_key_missing', 'Idempotency-Key');
        missing(await t.http.post(`/v1/accounts/${from}/deposits`).set(auth).send({ amount: 100, currency: 'usd' }));
        missing(await t.http.post('/v1/transfers').set(auth).send({ from_account: from, to_account: to, amount: 100, currency: 'usd' }));
        missing(await t.http.post(`/v1/transfers/${transfer.id}/reversals`).set(auth).send({}));
        expect([await api.balance(from), await api.balance(to)]).toEqual([400, 100]);
      });
    });

    describe('client isolation', () => {
      let owner: PaymentsApi;
      let other: PaymentsApi;
      let ownerAccounts: string[];
      let ownerTransfer: string;

      beforeAll(async () => {
        [owner, other] = [await freshClient(), await freshClient()];
        ownerAccounts = [await owner.openAccount('usd', 1000), await owner.openAccount('usd', 1000)];
        ownerTransfer = (await owner.transfer(ownerAccounts[0], ownerAccounts[1], 100)).body.id;
      });

      it("another client's account, ledger and transfer answer 404 exactly as missing ones do", async () => {
        expectProblem(await other.get(`/v1/accounts/${ownerAccounts[0]}`), 404, 'account_not_found');
        expectProblem(await other.get(`/v1/accounts/${ownerAccounts[0]}/ledger`), 404, 'account_not_found');
        expectProblem(await other.get(`/v1/transfers/${ownerTransfer}`), 404, 'transfer_not_found');
      });

      it("another client cannot deposit into, transfer from or to, or reverse this client's objects", async () => {
        const own = await other.openAccount('usd', 1000);
        expectProblem(await other.deposit(ownerAccounts[0], 100), 404, 'account_not_found');
        expectProblem(await other.transfer(ownerAccounts[0], own, 100), 404, 'account_not_found');
        expectProblem(await other.transfer(own, ownerAccounts[0], 100), 404, 'account_not_found');
        expectProblem(await other.transfer(ownerAccounts[0], ownerAccounts[1], 100), 404, 'account_not_found');
        expectProblem(await other.reverse(ownerTransfer), 404, 'transfer_not_found');
        expect([await owner.balance(ownerAccounts[0]), await owner.balance(ownerAccounts[1])]).toEqual([900, 1100]);
        expect(await other.balance(own)).toBe(1000);
        expect((await owner.get(`/v1/transfers/${ownerTransfer}`)).body.amount_reversed).toBe(0);
      });

      it("a client's lists never show another client's accounts or transfers", async () => {
        const [x, y] = [await other.openAccount('usd', 300), await other.openAccount()];
        const otherTransfer = (await other.transfer(x, y, 50)).body.id;
        expect((await owner.listAll('/v1/accounts')).map((a) => a.id).sort()).toEqual([...ownerAccounts].sort());
        expect((await owner.listAll('/v1/transfers')).map((tr) => tr.id)).toEqual([ownerTransfer]);
        expect(await owner.listAll(`/v1/transfers?account=${x}`)).toEqual([]);
        expect(await other.listAll(`/v1/transfers?account=${ownerAccounts[0]}`)).toEqual([]);
        expect((await other.listAll('/v1/transfers')).map((tr) => tr.id)).not.toContain(ownerTransfer);
        expect((await other.listAll('/v1/transfers')).map((tr) => tr.id)).toContain(otherTransfer);
      });
    });
  });
});
