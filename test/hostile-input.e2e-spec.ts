import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { bearer } from './support/app';
import { databasesAndAdapters, newKey, useSuiteApp } from './support/idempotency-fixtures';
import { expectProblem, paymentsApi } from './support/payments-api';
import { rawExchange, requestBytes } from './reliability/raw-http';

/** Names an ordinary JavaScript object already has: as metadata keys they are data like any other. */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'prototype'];

/** Inputs a hostile but honest client sends, on every database and both HTTP adapters. */
describe.each(databasesAndAdapters())('hostile input on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);
  let port: number;
  const api = () => paymentsApi(suite.t.http, suite.t.apiKey);
  const keyed = (key = newKey('hostile')) => ({ ...bearer(suite.t.apiKey), 'Idempotency-Key': key });
  const raw = (method: string, path: string, headers: Array<[string, string]>, body?: Buffer | string) =>
    rawExchange(port, requestBytes({ method, path, headers, body: typeof body === 'string' ? Buffer.from(body, 'latin1') : body }));

  beforeAll(async () => {
    await suite.t.app.listen(0, '127.0.0.1');
    port = (suite.t.app.getHttpServer().address() as AddressInfo).port;
  });

  describe('metadata keys and field names an object already has', () => {
    const metadata = Object.fromEntries(PROTOTYPE_NAMES.map((name, i) => [name, `value ${i}`]));
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

    it('constructor, toString, valueOf, hasOwnProperty… are kept as metadata keys, in JSON and in forms', async () => {
      const json = await api().createAccount({ name: 'proto', currency: 'usd', metadata });
      const formed = await suite.t.http
        .post('/v1/accounts')
        .set(bearer(suite.t.apiKey))
        .type('form')
        .send(form({ name: 'proto', currency: 'usd', ...Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`metadata[${k}]`, v])) }));
      for (const res of [json, formed]) {
        expect({ status: res.status, metadata: res.body.metadata }).toEqual({ status: 201, metadata });
        expect((await api().get(`/v1/accounts/${res.body.id}`)).body.metadata).toEqual(metadata);
      }
      const [from, to] = [await api().openAccount('usd', 100), await api().openAccount()];
      const transfer = await suite.t.http
        .post('/v1/transfers')
        .set(keyed())
        .send({ from_account: from, to_account: to, amount: 1, currency: 'usd', metadata });
      expect({ status: transfer.status, metadata: transfer.body.metadata }).toEqual({ status: 201, metadata });
    });

    it('__proto__ as a metadata key is a 400 naming it, in JSON and in forms, and pollutes nothing', async () => {
      for (const value of ['"x"', '{"polluted":"yes"}']) {
        const res = await suite.t.http
          .post('/v1/accounts')
          .set({ ...bearer(suite.t.apiKey), 'Content-Type': 'application/json' })
          .send(`{"name":"p","currency":"usd","metadata":{"ok":"1","__proto__":${value}}}`);
        expectProblem(res, 400, 'validation_error', 'metadata[__proto__]');
      }
      const formed = await suite.t.http
        .post('/v1/accounts')
        .set(bearer(suite.t.apiKey))
        .type('form')
        .send('name=p&currency=usd&metadata[__proto__]=x');
      expectProblem(formed, 400, 'validation_error', 'metadata[__proto__]');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each(['constructor', '__proto__', 'toString', 'prototype'])(
      'a top-level %s is the 400 of any unknown field, in JSON, forms and queries',
      async (name) => {
        const json = await suite.t.http
          .post('/v1/accounts')
          .set({ ...bearer(suite.t.apiKey), 'Content-Type': 'application/json' })
          .send(`{"name":"p","currency":"usd","${name}":{"x":"1"}}`);
        const formed = await suite.t.http.post('/v1/accounts').set(bearer(suite.t.apiKey)).type('form').send(`name=p&currency=usd&${name}=x`);
        const query = await api().get(`/v1/accounts?${name}=x`);
        for (const res of [json, formed, query]) {
          expectProblem(res, 400, 'validation_error', name);
          expect(res.body.detail).toBe(`${name} is not a known parameter`);
        }
      },
    );
  });

  describe("the client's hidden external account", () => {
    it('imposes no customer limit: deposits past 2^53-1 in total are taken, kept exact, and no answer names it', async () => {
      const rich = paymentsApi(suite.t.http, await suite.t.newClient('rich'));
      const [full, fresh] = [await rich.openAccount(), await rich.openAccount()];
      expect((await rich.deposit(full, Number.MAX_SAFE_INTEGER)).status).toBe(201);
      expect((await rich.deposit(fresh, 1)).status).toBe(201);
      expect((await rich.deposit(fresh, 5)).status).toBe(201);
      expect([await rich.balance(full), await rich.balance(fresh)]).toEqual([Number.MAX_SAFE_INTEGER, 6]);

      // The customer account's own limit still holds, and its answer names only that account.
      const over = await rich.deposit(full, 1);
      expectProblem(over, 422, 'balance_limit_exceeded');
      const named = JSON.stringify(over.body).match(/acct_[A-Za-z0-9_-]+/g) ?? [];
      expect(named).toEqual([full]);

      // The external balance is the exact negated total, beyond what a JavaScript number holds.
      const db = suite.t.app.get(DataSource);
      const cast = kind === 'mysql' ? 'CHAR' : 'TEXT';
      const rows: Array<{ balance: string; entries: string }> = await db.query(
        `SELECT CAST(a.balance AS ${cast}) AS balance, CAST(SUM(l.amount) AS ${cast}) AS entries
           FROM accounts a JOIN ledger_entries l ON l.account_id = a.id
          WHERE a.kind = 'external' AND a.id IN (SELECT account_id FROM ledger_entries WHERE posting_id IN (SELECT id FROM deposits WHERE account_id = ?))
          GROUP BY a.id, a.balance`,
        [fresh],
      );
      expect(rows.map((r) => [String(r.balance), String(r.entries)])).toEqual([['-9007199254740997', '-9007199254740997']]);
    });
  });

  describe('request targets and headers', () => {
    it('an absolute-form target stores and fingerprints the route path: the ordinary retry replays it', async () => {
      const [from, to] = [await api().openAccount('usd', 100), await api().openAccount()];
      const key = newKey('absolute');
      const body = JSON.stringify({ from_account: from, to_account: to, amount: 7, currency: 'usd' });
      const first = await raw(
        'POST',
        `http://127.0.0.1:${port}/v1/transfers`,
        [
          ['Authorization', `Bearer ${suite.t.apiKey}`],
          ['Idempotency-Key', key],
          ['Content-Type', 'application/json'],
        ],
        body,
      );
      expect(first.status).toBe(201);
      const retry = await suite.t.http.post('/v1/transfers').set(keyed(key)).set('Content-Type', 'application/json').send(body);
      expect({ status: retry.status, replayed: retry.headers['idempotent-replayed'], id: retry.body.id }).toEqual({
        status: 201,
        replayed: 'true',
        id: JSON.parse(first.body).id,
      });
      expect((await api().get(`/v1/idempotency-keys/${key}`)).body.path).toBe('/v1/transfers');
    });

    it('two Authorization headers are a 400 naming Authorization, before authentication', async () => {
      const res = await raw('GET', '/v1/accounts', [
        ['Authorization', `Bearer ${suite.t.apiKey}`],
        ['Authorization', 'Bearer sk_test_someone_else'],
      ]);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_error', param: 'Authorization' });
      expect(res.headers['x-request-id']).toBeTruthy();
    });

    it('X-Request-Id is on every early error: an undecodable path, a control byte in a header, headers too large', async () => {
      const answers = {
        badEscape: await raw('GET', '/v1/accounts/%E0%A4%A', [['Authorization', `Bearer ${suite.t.apiKey}`]]),
        badEscapeInRoute: await raw('GET', '/v1/%zz', []),
        controlByte: await raw('GET', '/v1/accounts', [['X-Note', 'a\x01b']]),
        tooLarge: await raw('GET', '/v1/accounts', [
          ['X-Request-Id', 'mine-431'],
          ['X-Padding', 'p'.repeat(20_000)],
        ]),
      };
      expect(
        Object.fromEntries(
          Object.entries(answers).map(([name, a]) => [name, [a.status >= 400 && a.status < 500, Boolean(a.headers['x-request-id'])]]),
        ),
      ).toEqual({
        badEscape: [true, true],
        badEscapeInRoute: [true, true],
        controlByte: [true, true],
        tooLarge: [true, true],
      });
      expect(answers.tooLarge.status).toBe(431);
      expect(answers.tooLarge.headers['x-request-id']).toBe('mine-431');
    });
  });

  describe('form bodies', () => {
    const fields = (n: number) => ['currency=usd', 'amount=100', ...Array.from({ length: n - 2 }, (_, i) => `metadata[k${i}]=v`)].join('&');

    it('past 200 parameters is a 413 and moves nothing; at 200 the fields are all read (and validated)', async () => {
      const to = await api().openAccount();
      const send = (n: number) => suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed()).type('form').send(fields(n));
      expectProblem(await send(201), 413, 'payload_too_large');
      // 198 metadata keys are read, not dropped: more than the 50 metadata holds.
      expectProblem(await send(200), 400, 'validation_error', 'metadata');
      expect(await api().balance(to)).toBe(0);
    });
  });

  describe('documented decisions', () => {
    it('a form retry of a JSON original is another request (422), whether or not it says the same', async () => {
      const to = await api().openAccount();
      const key = newKey('encoding');
      expect((await suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed(key)).send({ amount: 700, currency: 'usd' })).status).toBe(201);
      for (const form of ['amount=700&currency=usd', 'amount=800&currency=usd']) {
        expectProblem(await suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed(key)).type('form').send(form), 422, 'idempotency_key_reused');
      }
      // The same form again is the same request.
      const formKey = newKey('form');
      const first = await suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed(formKey)).type('form').send('amount=5&currency=usd');
      const again = await suite.t.http.post(`/v1/accounts/${to}/deposits`).set(keyed(formKey)).type('form').send('amount=5&currency=usd');
      expect([first.status, again.headers['idempotent-replayed'], again.body.id]).toEqual([201, 'true', first.body.id]);
      expect(await api().balance(to)).toBe(705);
    });

    it('an RFC 8941 quoted key with escapes names its content: "a\\"b" is the key a"b', async () => {
      const [from, to] = [await api().openAccount('usd', 100), await api().openAccount()];
      const unique = newKey('sf');
      const body = { from_account: from, to_account: to, amount: 3, currency: 'usd' };
      const quoted = await suite.t.http
        .post('/v1/transfers')
        .set(keyed(`"${unique}\\"b\\\\c"`))
        .send(body);
      expect(quoted.status).toBe(201);
      expect(quoted.headers['idempotency-key']).toBe(`${unique}"b\\c`);
      const bare = await suite.t.http
        .post('/v1/transfers')
        .set(keyed(`${unique}"b\\c`))
        .send(body);
      expect([bare.headers['idempotent-replayed'], bare.body.id]).toEqual(['true', quoted.body.id]);
      for (const malformed of [`"${unique}\\x"`, `"${unique}"x"`, `"${unique}\\"`]) {
        expectProblem(await suite.t.http.post('/v1/transfers').set(keyed(malformed)).send(body), 400, 'idempotency_key_invalid', 'Idempotency-Key');
      }
      expect(await api().balance(to)).toBe(3);
    });

    it('{"amount": null} on a reversal is a 400 naming amount; left out, it reverses what is left', async () => {
      const [from, to] = [await api().openAccount('usd', 100), await api().openAccount()];
      const transfer = (await api().transfer(from, to, 40)).body.id;
      const nulled = await suite.t.http
        .post(`/v1/transfers/${transfer}/reversals`)
        .set(keyed())
        .set('Content-Type', 'application/json')
        .send('{"amount":null}');
      expectProblem(nulled, 400, 'validation_error', 'amount');
      expect(await api().balance(to)).toBe(40);
      expect((await api().reverse(transfer)).body.amount).toBe(40);
      expect(await api().balance(to)).toBe(0);
    });

    it('a body that is not valid UTF-8, or text with a lone surrogate, is a 400 and nothing is stored', async () => {
      const to = await api().openAccount();
      const invalid = Buffer.concat([Buffer.from('{"amount":100,"currency":"usd","description":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const json = await raw('POST', `/v1/accounts/${to}/deposits`, [...Object.entries(keyed()), ['Content-Type', 'application/json']], invalid);
      const formBody = Buffer.concat([Buffer.from('amount=100&currency=usd&description=caf'), Buffer.from([0xe9])]);
      const formed = await raw(
        'POST',
        `/v1/accounts/${to}/deposits`,
        [...Object.entries(keyed()), ['Content-Type', 'application/x-www-form-urlencoded']],
        formBody,
      );
      for (const res of [json, formed]) {
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_error', param: 'body' });
      }
      const surrogate = await suite.t.http
        .post(`/v1/accounts/${to}/deposits`)
        .set(keyed())
        .set('Content-Type', 'application/json')
        .send('{"amount":100,"currency":"usd","description":"a\\ud800b"}');
      expectProblem(surrogate, 400, 'validation_error', 'description');
      expect(await api().balance(to)).toBe(0);
    });
  });
});
