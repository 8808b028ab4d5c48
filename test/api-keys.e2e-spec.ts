import { DataSource } from 'typeorm';
import { ApiKeyEntity } from '../src/auth/api-key.entity';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { ClientKeysService } from '../src/auth/client-keys.service';
import { bearer } from './support/app';
import { secretPrefix } from '../src/auth/api-key-secret';
import {
  balanceOf,
  countRows,
  databasesAndAdapters,
  expectExecuted,
  expectProblem,
  expectReplayOf,
  fundedPair,
  newKey,
  openAccount,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

/** Issue 18: several keys per client, rotation, revocation, read-only keys. */
describe.each(databasesAndAdapters())('API keys on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);
  const services = () => ({ apiKeys: suite.t.app.get(ApiKeysService), keys: suite.t.app.get(ClientKeysService) });
  /** A new client and its first key. */
  const newClient = async () => {
    const { client, apiKey } = await services().apiKeys.createClient('keys-test');
    return { clientId: client.id, apiKey };
  };
  const getAccounts = (apiKey: string) => suite.t.http.get('/v1/accounts').set(bearer(apiKey));

  describe('rotation', () => {
    it('a retry sent with the new key after a rotation replays the attempt made with the old one: idempotency keys belong to the client', async () => {
      const { t } = suite;
      const { clientId, apiKey: oldKey } = await newClient();
      const { from, to } = await fundedPair(t, 10_000, oldKey);
      const key = newKey('rotation');
      const body = transferBody(from, to, 2_500);
      const first = await postTransfer(t, key, body, oldKey);
      expectExecuted(first, 201, key);

      const { issued } = await services().keys.rotate(clientId);
      expect((await getAccounts(oldKey)).status).toBe(401);
      expectReplayOf(await postTransfer(t, key, body, issued.secret), first, key);
      expect(await transfersFrom(t, from)).toBe(1);
      expect(await balanceOf(t, from, issued.secret)).toBe(7_500);
    });

    it('with the old key kept alive, both keys work until the old one expires, and they see the same objects', async () => {
      const { clientId, apiKey: oldKey } = await newClient();
      const account = await openAccount(suite.t, oldKey);
      const { issued, old } = await services().keys.rotate(clientId, { keepOldMs: 86_400_000 });
      expect(old.expiresAt!.getTime()).toBeGreaterThan(Date.now());
      expect(issued.key.readOnly).toBe(false);
      for (const apiKey of [oldKey, issued.secret]) {
        const res = await suite.t.http.get(`/v1/accounts/${account}`).set(bearer(apiKey));
        expect(res.status).toBe(200);
      }
    });
  });

  describe('rotation refused', () => {
    it('names the key when the client has several usable ones, and refuses a revoked or expired key', async () => {
      const { clientId } = await newClient();
      const second = await services().keys.create(clientId, { readOnly: true });
      await expect(services().keys.rotate(clientId)).rejects.toMatchObject({ code: 'rotation_not_possible', ambiguous: true });
      await services().keys.revoke(clientId, second.key.id);
      expect(await services().keys.revoke(clientId, second.key.id)).toMatchObject({ alreadyRevoked: true });
      await expect(services().keys.rotate(clientId, { keyId: second.key.id })).rejects.toThrow(`Key ${second.key.id} is revoked`);
      const expired = await services().keys.create(clientId, { expiresAt: new Date(Date.now() - 1) });
      await expect(services().keys.rotate(clientId, { keyId: expired.key.id })).rejects.toThrow(`Key ${expired.key.id} is expired`);
      const { issued } = await services().keys.rotate(clientId); // the one usable key left
      expect((await services().keys.list(clientId)).map((key) => key.id)).toContain(issued.key.id);
    });

    it("refuses another client's key as if it did not exist", async () => {
      const mine = await newClient();
      const theirs = await newClient();
      const [theirKey] = await services().keys.list(theirs.clientId);
      await expect(services().keys.revoke(mine.clientId, theirKey.id)).rejects.toMatchObject({ code: 'api_key_not_found' });
      expect((await getAccounts(theirs.apiKey)).status).toBe(200);
    });
  });

  describe('refusals', () => {
    it('a revoked, an expired and an unknown key get the very same 401 invalid_api_key', async () => {
      const { clientId, apiKey: revoked } = await newClient();
      expect((await getAccounts(revoked)).status).toBe(200); // cached as valid first
      const revokedId = (await services().keys.list(clientId))[0].id;
      await services().keys.revoke(clientId, revokedId);
      const expired = (await services().keys.create(clientId, { expiresAt: new Date(Date.now() - 1_000) })).secret;
      const unknown = `sk_test_${'x'.repeat(32)}`;

      const answers = await Promise.all([revoked, expired, unknown].map(getAccounts));
      for (const res of answers) expectProblem(res, 401, 'invalid_api_key');
      const shape = (res: (typeof answers)[number]) => ({ text: res.text, type: res.headers['content-type'], retry: res.headers['retry-after'] });
      expect(answers.map(shape)).toEqual([shape(answers[0]), shape(answers[0]), shape(answers[0])]);
    });

    it('looks up a revoked, an expired, an unknown and a valid key with the very same single statement', async () => {
      const { clientId, apiKey: valid } = await newClient();
      const revoked = (await services().keys.create(clientId)).secret;
      await services().keys.revoke(clientId, (await services().keys.list(clientId))[1].id);
      const expired = (await services().keys.create(clientId, { expiresAt: new Date(Date.now() - 1_000) })).secret;
      const unknown = `sk_test_${newKey('u').slice(-32)}`;
      const runner = suite.t.app.get(DataSource).createQueryRunner();
      const query = jest.spyOn(Object.getPrototypeOf(runner) as { query: (sql: string) => Promise<unknown> }, 'query');
      await runner.release();
      try {
        const statements: string[][] = [];
        for (const secret of [revoked, expired, unknown, valid]) {
          query.mockClear();
          await services().apiKeys.authenticate(secret); // first sight of each: a cache miss
          statements.push(query.mock.calls.map(([sql]) => sql));
        }
        expect(statements[0]).toHaveLength(1);
        expect(statements).toEqual([statements[0], statements[0], statements[0], statements[0]]);
      } finally {
        query.mockRestore();
      }
    });

    it("revoking one key leaves the client's other keys working", async () => {
      const { clientId, apiKey: first } = await newClient();
      const second = (await services().keys.create(clientId)).secret;
      // By its prefix: two keys made in one millisecond have no creation order.
      const firstId = (await services().keys.list(clientId)).find((key) => key.keyPrefix === secretPrefix(first))!.id;
      await services().keys.revoke(clientId, firstId);
      expect((await getAccounts(first)).status).toBe(401);
      expect((await getAccounts(second)).status).toBe(200);
    });
  });

  it('a revoked BOOTSTRAP_API_KEY stops the start-up with a message naming the variable, instead of coming back', async () => {
    const secret = `sk_test_bootstrap_${newKey('b').slice(-12)}`;
    const client = await services().apiKeys.ensureClient('bootstrap', secret);
    expect(await services().apiKeys.ensureClient('bootstrap', secret)).toEqual(client);
    await services().keys.revoke(client.id, client.keyId);
    await expect(services().apiKeys.ensureClient('bootstrap', secret)).rejects.toThrow('BOOTSTRAP_API_KEY is a key that was revoked or has expired');
    expect((await getAccounts(secret)).status).toBe(401);
  });

  describe('read-only keys', () => {
    it('read everything and change nothing: every GET answers, every POST is 403 permission_denied', async () => {
      const { t } = suite;
      const { clientId, apiKey: full } = await newClient();
      const { from, to } = await fundedPair(t, 5_000, full);
      const transfer = await postTransfer(t, newKey('setup'), transferBody(from, to, 1_000), full);
      const readOnly = (await services().keys.create(clientId, { readOnly: true })).secret;
      const auth = bearer(readOnly);

      for (const path of [
        '/v1/accounts',
        `/v1/accounts/${from}`,
        `/v1/accounts/${from}/ledger`,
        '/v1/transfers',
        `/v1/transfers/${transfer.body.id}`,
      ]) {
        expect({ path, status: (await t.http.get(path).set(auth)).status }).toEqual({ path, status: 200 });
      }
      const writes = [
        t.http.post('/v1/accounts').set(auth).send({ name: 'nope', currency: 'usd' }),
        t.http
          .post(`/v1/accounts/${from}/deposits`)
          .set({ ...auth, 'Idempotency-Key': newKey('ro') })
          .send({ amount: 1, currency: 'usd' }),
        t.http
          .post('/v1/transfers')
          .set({ ...auth, 'Idempotency-Key': newKey('ro') })
          .send(transferBody(from, to, 1)),
        t.http
          .post(`/v1/transfers/${transfer.body.id}/reversals`)
          .set({ ...auth, 'Idempotency-Key': newKey('ro') })
          .send({}),
        t.http.post('/v1/idempotency-keys').set(auth).send({}),
      ];
      for (const res of await Promise.all(writes)) expectProblem(res, 403, 'permission_denied');
      expect(await balanceOf(t, from, readOnly)).toBe(4_000);
      expect(await transfersFrom(t, from)).toBe(1);
    });

    it('a refused write is not stored under its idempotency key: the same key sent with a full key runs the request', async () => {
      const { t } = suite;
      const { clientId, apiKey: full } = await newClient();
      const readOnly = (await services().keys.create(clientId, { readOnly: true })).secret;
      const account = await openAccount(t, full);
      const key = newKey('read-only');
      const deposit = (apiKey: string) =>
        t.http
          .post(`/v1/accounts/${account}/deposits`)
          .set({ ...bearer(apiKey), 'Idempotency-Key': key })
          .send({ amount: 300, currency: 'usd' });

      expectProblem(await deposit(readOnly), 403, 'permission_denied');
      expect(await countRows(t, 'idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);
      expect((await t.http.get(`/v1/idempotency-keys/${key}`).set(bearer(full))).status).toBe(404);
      expectExecuted(await deposit(full), 201, key);
      expect(await balanceOf(t, account, full)).toBe(300);
    });
  });

  it('records when a key was last used, without a write per request', async () => {
    const { clientId, apiKey } = await newClient();
    const [key] = await services().keys.list(clientId);
    expect(key.lastUsedAt).toBeNull();
    for (let i = 0; i < 5; i++) expect((await getAccounts(apiKey)).status).toBe(200);
    const repository = suite.t.app.get(DataSource).getRepository(ApiKeyEntity);
    let lastUsedAt: Date | null = null;
    for (let attempt = 0; attempt < 100 && !lastUsedAt; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // the write follows the request, off its path
      lastUsedAt = (await repository.findOneByOrFail({ id: key.id })).lastUsedAt;
    }
    expect(lastUsedAt).toBeInstanceOf(Date);
    expect(lastUsedAt!.getTime()).toBeGreaterThanOrEqual(key.createdAt.getTime());
  });

  it('the OpenAPI document lists 403 permission_denied on every writing operation, and on no reading one', async () => {
    const document = (await suite.t.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    const writes = operations.filter(({ method, operation }) => method !== 'get' && operation.security?.length);
    expect(writes.length).toBeGreaterThanOrEqual(5);
    for (const { path, method, operation } of writes)
      expect({ path, method, has403: '403' in operation.responses }).toEqual({ path, method, has403: true });
    for (const { path, method, operation } of operations.filter(({ method }) => method === 'get')) {
      expect({ path, method, has403: '403' in operation.responses }).toEqual({ path, method, has403: false });
    }
  });
});
