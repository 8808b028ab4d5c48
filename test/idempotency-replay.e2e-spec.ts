import { bearer } from './support/app';
import {
  balanceOf,
  databasesAndAdapters,
  expectExecuted,
  expectKeyEcho,
  expectProblem,
  expectReplayOf,
  fundedPair,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

/** Contract §1 (carriers) and §2 (a repeat replays the first answer, byte for byte). */
describe.each(databasesAndAdapters())('idempotent replay on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);

  it('a repeated transfer replays the first response byte for byte, marked Idempotent-Replayed, and moves no money again', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 10_000);
    const key = newKey('replay');
    const body = transferBody(from, to, 2_500, { description: 'rent', metadata: { order: '42' } });

    const first = await postTransfer(t, key, body);
    expectExecuted(first, 201, key);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.headers.location).toBe(`/v1/transfers/${first.body.id}`);

    const again = await postTransfer(t, key, body);
    const third = await postTransfer(t, key, body);
    expectReplayOf(again, first, key);
    expectReplayOf(third, first, key);
    expect(await transfersFrom(t, from)).toBe(1);
    expect(await balanceOf(t, from)).toBe(7_500);
    expect(await balanceOf(t, to)).toBe(2_500);
  });

  it('a repeated deposit replays the first deposit and credits the account once', async () => {
    const { t } = suite;
    const { from } = await fundedPair(t, 0);
    const key = newKey('deposit');
    const send = () => t.http.post(`/v1/accounts/${from}/deposits`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 700, currency: 'usd' });

    const first = await send();
    expectExecuted(first, 201, key);
    expectReplayOf(await send(), first, key);
    expect(await balanceOf(t, from)).toBe(700);
  });

  it('a repeated account creation with a key replays the first account, Location included, and opens one account', async () => {
    const { t } = suite;
    const key = newKey('account');
    const send = () => t.http.post('/v1/accounts').set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ name: 'savings', currency: 'eur' });

    const first = await send();
    expectExecuted(first, 201, key);
    expect(first.headers.location).toBe(`/v1/accounts/${first.body.id}`);
    const again = await send();
    expectReplayOf(again, first, key);
    expect(again.body.id).toBe(first.body.id);
  });

  it('the IETF quoted form "abc" names the same key as abc', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('quoted');
    const body = transferBody(from, to, 100);

    const quoted = await postTransfer(t, `"${key}"`, body);
    expectExecuted(quoted, 201, key);
    expectReplayOf(await postTransfer(t, key, body), quoted, key);
    expectReplayOf(await postTransfer(t, `"${key}"`, body), quoted, key);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('the idempotency_key query parameter carries the key when no header is sent', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('query');
    const body = transferBody(from, to, 100);
    const viaQuery = () => t.http.post(`/v1/transfers?idempotency_key=${encodeURIComponent(key)}`).set(bearer(t.apiKey)).send(body);

    const first = await viaQuery();
    expectExecuted(first, 201, key);
    expectReplayOf(await viaQuery(), first, key);
    expectReplayOf(await postTransfer(t, key, body), first, key);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('header and query carrying the same key are one key', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('both');
    const body = transferBody(from, to, 100);
    const both = () => t.http.post(`/v1/transfers?idempotency_key=${key}`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send(body);

    const first = await both();
    expectExecuted(first, 201, key);
    expectReplayOf(await both(), first, key);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('header and query with different keys are refused with 400 idempotency_key_invalid and nothing runs', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const res = await t.http
      .post(`/v1/transfers?idempotency_key=${newKey('query')}`)
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': newKey('header') })
      .send(transferBody(from, to, 100));

    expectProblem(res, 400, 'idempotency_key_invalid');
    expect(await transfersFrom(t, from)).toBe(0);
    expect(await balanceOf(t, from)).toBe(1_000);
  });

  it('field order in the JSON body does not change the fingerprint: the reordered request is a replay, not a 422', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('order');
    const first = await postTransfer(t, key, {
      from_account: from,
      to_account: to,
      amount: 300,
      currency: 'usd',
      metadata: { a: '1', b: '2' },
    });
    expectExecuted(first, 201, key);

    // The same fields, top-level and nested, sent in reverse order as raw JSON text.
    const reordered = `{"metadata":{"b":"2","a":"1"},"currency":"usd","amount":300,"to_account":"${to}","from_account":"${from}"}`;
    const again = await t.http
      .post('/v1/transfers')
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': key, 'Content-Type': 'application/json' })
      .send(reordered);
    expectReplayOf(again, first, key);
    expect(await transfersFrom(t, from)).toBe(1);
    expect(await balanceOf(t, from)).toBe(700);
  });

  it('every keyed response echoes the Idempotency-Key header, declines and errors included', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 100);
    const key = newKey('echo');
    const declined = await postTransfer(t, key, transferBody(from, to, 5_000));
    expectProblem(declined, 402, 'insufficient_funds');
    expectKeyEcho(declined, key);

    const reused = await postTransfer(t, key, transferBody(from, to, 50));
    expectProblem(reused, 422, 'idempotency_key_reused');
    expectKeyEcho(reused, key);

    const invalidBodyKey = newKey('echo-400');
    const invalid = await postTransfer(t, invalidBodyKey, transferBody(from, to, -1));
    expectProblem(invalid, 400, 'validation_error');
    expectKeyEcho(invalid, invalidBodyKey);
  });

  it('a keyed request refused before it reaches the idempotency layer still echoes its key (401 unknown API key, 400 unparsable JSON)', async () => {
    const { t } = suite;
    const key = newKey('echo-early');
    const unauthenticated = await t.http.post('/v1/transfers').set({ Authorization: 'Bearer sk_test_not_a_client_key_at_all', 'Idempotency-Key': key }).send({});
    const unparsable = await t.http
      .post('/v1/transfers')
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': key, 'Content-Type': 'application/json' })
      .send('{"amount": ');
    expect({ status: unauthenticated.status, code: unauthenticated.body.code }).toEqual({ status: 401, code: 'invalid_api_key' });
    expect({ status: unparsable.status, code: unparsable.body.code }).toEqual({ status: 400, code: 'validation_error' });
    expect({ unauthenticated: unauthenticated.headers['idempotency-key'], unparsable: unparsable.headers['idempotency-key'] }).toEqual({
      unauthenticated: key,
      unparsable: key,
    });
  });
});
