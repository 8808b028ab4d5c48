import type { Response } from 'supertest';
import { bearer, bootTestApp, HttpAdapterKind, TestApp } from './support/app';
import { createTestDatabase, databaseKinds, TestDatabase } from './support/databases';
import { expectProblem, freshKey, paymentsApi, PaymentsApi } from './support/payments-api';

const ADAPTERS: HttpAdapterKind[] = ['express', 'fastify'];

/** Amounts as raw JSON text, so that `1.5`, `100.0` and `1e3` reach the server exactly as written. */
const BAD_AMOUNTS: Array<[string, string]> = [
  ['a string', '"100"'],
  ['zero', '0'],
  ['negative', '-5'],
  ['fractional', '1.5'],
  ['written with a zero fraction (100.0)', '100.0'],
  ['in exponent form (1e3)', '1e3'],
  ['one above 2^53-1', '9007199254740992'],
  ['far above 2^53-1', '123456789012345678901234567890'],
];

describe.each(databaseKinds())('payments input validation on %s', (kind) => {
  describe.each(ADAPTERS)('over %s', (adapter) => {
    let db: TestDatabase;
    let t: TestApp;
    let api: PaymentsApi;
    let from: string;
    let to: string;
    let transferId: string;

    beforeAll(async () => {
      db = await createTestDatabase(kind);
      t = await bootTestApp(db.url, { adapter });
      api = paymentsApi(t.http, t.apiKey);
      [from, to] = [await api.openAccount('usd', 10_000), await api.openAccount()];
      transferId = (await api.transfer(from, to, 1000)).body.id;
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    /** POSTs raw text with a content type, a fresh idempotency key and the test client's key. */
    const postRaw = (path: string, text: string, contentType = 'application/json') =>
      t.http.post(path).set({ ...bearer(t.apiKey), 'Idempotency-Key': freshKey(), 'Content-Type': contentType }).send(text);
    const amountRoutes = () => [
      { path: `/v1/accounts/${to}/deposits`, json: (amount: string) => `{"amount":${amount},"currency":"usd"}` },
      { path: '/v1/transfers', json: (amount: string) => `{"from_account":"${from}","to_account":"${to}","amount":${amount},"currency":"usd"}` },
      { path: `/v1/transfers/${transferId}/reversals`, json: (amount: string) => `{"amount":${amount}}` },
    ];
    const expectNothingMoved = async () => expect([await api.balance(from), await api.balance(to)]).toEqual([9000, 1000]);

    describe('amounts', () => {
      it.each(BAD_AMOUNTS)('an amount %s is 400 validation_error naming amount on deposits, transfers and reversals', async (_label, amount) => {
        for (const route of amountRoutes()) expectProblem(await postRaw(route.path, route.json(amount)), 400, 'validation_error', 'amount');
        await expectNothingMoved();
      });

      it('a missing amount is 400 validation_error naming amount on deposits and transfers', async () => {
        expectProblem(await postRaw(`/v1/accounts/${to}/deposits`, '{"currency":"usd"}'), 400, 'validation_error', 'amount');
        expectProblem(await postRaw('/v1/transfers', `{"from_account":"${from}","to_account":"${to}","currency":"usd"}`), 400, 'validation_error', 'amount');
        await expectNothingMoved();
      });

      it('an amount of exactly 2^53-1 is accepted and a balance past it is refused without a 5xx', async () => {
        const rich = paymentsApi(t.http, await t.newClient());
        const id = await rich.openAccount();
        expect((await rich.deposit(id, Number.MAX_SAFE_INTEGER)).status).toBe(201);
        expect(await rich.balance(id)).toBe(Number.MAX_SAFE_INTEGER);
        const over = await rich.deposit(id, 1);
        expect(over.status).toBeGreaterThanOrEqual(400);
        expect(over.status).toBeLessThan(500);
        expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(await rich.balance(id)).toBe(Number.MAX_SAFE_INTEGER);
      });

      it('a form-encoded amount is read from its digit string; other forms of it are refused naming amount', async () => {
        const id = await api.openAccount();
        const form = (body: string) => postRaw(`/v1/accounts/${id}/deposits`, body, 'application/x-www-form-urlencoded');
        expect((await form('amount=100&currency=usd')).status).toBe(201);
        for (const amount of ['1.5', '1e3', '-5', '0', 'ten', '9007199254740992']) {
          expectProblem(await form(`amount=${amount}&currency=usd`), 400, 'validation_error', 'amount');
        }
        expect(await api.balance(id)).toBe(100);
      });
    });

    describe('fields', () => {
      it.each([['unknown', 'xyz'], ['upper-case', 'USD'], ['non-string', 840]])('a %s currency is 400 validation_error naming currency', async (_label, currency) => {
        expectProblem(await api.createAccount({ name: 'x', currency }), 400, 'validation_error', 'currency');
        expectProblem(await api.deposit(to, 100, currency as string), 400, 'validation_error', 'currency');
        expectProblem(await api.transfer(from, to, 100, currency as string), 400, 'validation_error', 'currency');
        await expectNothingMoved();
      });

      it('an unknown extra field is 400 validation_error naming that field', async () => {
        expectProblem(await api.createAccount({ name: 'x', currency: 'usd', colour: 'red' }), 400, 'validation_error', 'colour');
        const deposit = await postRaw(`/v1/accounts/${to}/deposits`, '{"amount":100,"currency":"usd","fee":1}');
        expectProblem(deposit, 400, 'validation_error', 'fee');
        expectProblem(await postRaw(`/v1/transfers/${transferId}/reversals`, '{"reason":"x"}'), 400, 'validation_error', 'reason');
        await expectNothingMoved();
      });

      it.each([
        ['a number value', { order: 42 }],
        ['a boolean value', { paid: true }],
        ['a nested object', { customer: { id: 'c1' } }],
        ['an array', ['a']],
      ])('metadata with %s is 400 validation_error naming metadata', async (_label, metadata) => {
        expectProblem(await api.createAccount({ name: 'x', currency: 'usd', metadata }), 400, 'validation_error', 'metadata');
        const transfer = { from_account: from, to_account: to, amount: 100, currency: 'usd', metadata };
        expectProblem(await postRaw('/v1/transfers', JSON.stringify(transfer)), 400, 'validation_error', 'metadata');
        await expectNothingMoved();
      });
    });

    describe('bodies', () => {
      it('malformed JSON is 400 validation_error, not a 500', async () => {
        expectProblem(await postRaw('/v1/accounts', '{"name": "x", "currency": '), 400, 'validation_error');
        expectProblem(await postRaw('/v1/transfers', '{"amount":100,}'), 400, 'validation_error');
      });

      it.each([
        ['a JSON array', '[{"name":"x","currency":"usd"}]'],
        ['a bare JSON string', '"name=x&currency=usd"'],
        ['a bare JSON number', '42'],
      ])('a body that is %s is 400 validation_error naming a param', async (_label, text) => {
        for (const path of ['/v1/accounts', '/v1/transfers']) {
          const res = await postRaw(path, text);
          expectProblem(res, 400, 'validation_error');
          expect(res.body.param).toEqual(expect.any(String));
        }
        await expectNothingMoved();
      });

      it.each(['text/plain', 'application/xml'])('a body sent as %s is 400 validation_error naming a missing field', async (contentType) => {
        const body = contentType === 'text/plain' ? '{"name":"x","currency":"usd"}' : '<account><name>x</name></account>';
        expectProblem(await postRaw('/v1/accounts', body, contentType), 400, 'validation_error', 'name');
      });
    });

    describe('list queries', () => {
      it.each(['0', '101', '-1', '1.5', 'ten', ''])('limit=%s is 400 validation_error naming limit on every list', async (limit) => {
        for (const path of ['/v1/accounts', '/v1/transfers', `/v1/accounts/${from}/ledger`]) {
          expectProblem(await api.get(`${path}?limit=${limit}`), 400, 'validation_error', 'limit');
        }
      });

      it('a starting_after that is not in the list is 400 validation_error naming starting_after', async () => {
        expectProblem(await api.get('/v1/accounts?starting_after=acct_doesnotexist'), 400, 'validation_error', 'starting_after');
        expectProblem(await api.get(`/v1/transfers?starting_after=${from}`), 400, 'validation_error', 'starting_after');
      });
    });

    describe('authentication and request ids', () => {
      const unauthenticated = () => [
        t.http.get('/v1/accounts'),
        t.http.get(`/v1/transfers/${transferId}`),
        t.http.post('/v1/transfers').set('Idempotency-Key', freshKey()).send({ from_account: from, to_account: to, amount: 1, currency: 'usd' }),
      ];

      it('a request without an API key is 401 authentication_required', async () => {
        for (const res of await Promise.all(unauthenticated())) expectProblem(res, 401, 'authentication_required');
        for (const res of await Promise.all(unauthenticated().map((r) => r.set('Authorization', `Basic ${t.apiKey}`)))) {
          expectProblem(res, 401, 'authentication_required');
        }
        await expectNothingMoved();
      });

      it('a request with an unknown API key is 401 invalid_api_key', async () => {
        for (const res of await Promise.all(unauthenticated().map((r) => r.set(bearer('sk_test_not_a_real_key'))))) {
          expectProblem(res, 401, 'invalid_api_key');
        }
        await expectNothingMoved();
      });

      it('every response carries an X-Request-Id, error responses of every kind included', async () => {
        const responses: Array<[string, Response]> = [
          ['200', await api.get(`/v1/accounts/${from}`)],
          ['201', await api.createAccount({ name: 'x', currency: 'usd' })],
          ['400 field', await api.createAccount({ name: 'x', currency: 'USD' })],
          ['400 malformed JSON', await postRaw('/v1/accounts', '{"name":')],
          ['400 fractional amount', await postRaw('/v1/transfers', '{"amount":1.5}')],
          ['401', await t.http.get('/v1/accounts')],
          ['402', await api.transfer(to, from, 1_000_000)],
          ['404 account', await api.get('/v1/accounts/acct_doesnotexist')],
          ['404 route', await api.get('/v1/no-such-route')],
        ];
        const missing = responses.filter(([, res]) => !res.headers['x-request-id']).map(([label]) => label);
        expect(missing).toEqual([]);
      });

      it("the client's own X-Request-Id is echoed on success and on errors", async () => {
        const id = `req-${freshKey()}`;
        const responses = [
          await api.get(`/v1/accounts/${from}`).set('X-Request-Id', id),
          await t.http.get('/v1/accounts').set('X-Request-Id', id),
          await postRaw('/v1/accounts', '{"name":').set('X-Request-Id', id),
        ];
        expect(responses.map((res) => [res.status, res.headers['x-request-id']])).toEqual([
          [200, id],
          [401, id],
          [400, id],
        ]);
      });
    });
  });
});
