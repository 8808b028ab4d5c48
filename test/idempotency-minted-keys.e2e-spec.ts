import { bearer } from './support/app';
import {
  balanceOf,
  countRows,
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
import type { TestApp } from './support/app';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

async function mint(t: TestApp, body: object, apiKey = t.apiKey) {
  return t.http.post('/v1/idempotency-keys').set(bearer(apiKey)).send(body);
}

function lookUp(t: TestApp, key: string, apiKey = t.apiKey) {
  return t.http.get(`/v1/idempotency-keys/${encodeURIComponent(key)}`).set(bearer(apiKey));
}

/** Contract §1 minted keys: a server-made key, optionally bound to a purpose, inspectable by its owner only. */
describe.each(databasesAndAdapters())('minted keys on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);

  it('minting for transfers.create answers 201 {key, purpose, expires_at} with a random key about a day ahead', async () => {
    const { t } = suite;
    const before = Date.now();
    const first = await mint(t, { purpose: 'transfers.create' });
    const second = await mint(t, { purpose: 'transfers.create' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ key: expect.any(String), purpose: 'transfers.create', expires_at: expect.any(String) });
    expect(first.body.key).toMatch(new RegExp(`${UUID_V4.source}|${ULID.source}`));
    expect(second.body.key).not.toBe(first.body.key);
    const expiresAt = Date.parse(first.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 86_400_000 - 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 86_400_000 + 60_000);
  });

  it('a key minted for transfers.create works on /v1/transfers, and GET then shows it completed: POST /v1/transfers, 201', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const { key } = (await mint(t, { purpose: 'transfers.create' })).body;
    const body = transferBody(from, to, 100);

    const first = await postTransfer(t, key, body);
    expectExecuted(first, 201, key);
    expectReplayOf(await postTransfer(t, key, body), first, key);

    const lookup = await lookUp(t, key);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({
      key,
      status: 'completed',
      purpose: 'transfers.create',
      method: 'POST',
      path: '/v1/transfers',
      response_status: 201,
    });
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('a key minted for transfers.create used on a deposit is 422 idempotency_key_reused, and stays usable for its purpose', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const { key } = (await mint(t, { purpose: 'transfers.create' })).body;

    const deposit = await t.http.post(`/v1/accounts/${to}/deposits`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 5_000, currency: 'usd' });
    expectProblem(deposit, 422, 'idempotency_key_reused');
    expectKeyEcho(deposit, key);
    expect(await balanceOf(t, to)).toBe(0);

    expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);
    expect(await balanceOf(t, to)).toBe(100);
  });

  it('a key minted for transfers.create used on a reversal is refused too', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const transfer = await postTransfer(t, newKey('to-reverse'), transferBody(from, to, 300));
    const { key } = (await mint(t, { purpose: 'transfers.create' })).body;
    const reversal = await t.http.post(`/v1/transfers/${transfer.body.id}/reversals`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({});
    expectProblem(reversal, 422, 'idempotency_key_reused');
    expect(await balanceOf(t, to)).toBe(300);
  });

  it('a key minted without a purpose works anywhere: on a deposit, and another on a transfer', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 0);
    const forDeposit = (await mint(t, {})).body;
    expect(forDeposit.purpose).toBeNull();
    const deposit = await t.http
      .post(`/v1/accounts/${from}/deposits`)
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': forDeposit.key })
      .send({ amount: 1_000, currency: 'usd' });
    expectExecuted(deposit, 201, forDeposit.key);

    const forTransfer = (await mint(t, {})).body;
    expectExecuted(await postTransfer(t, forTransfer.key, transferBody(from, to, 400)), 201, forTransfer.key);
    expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([600, 400]);
    expect((await lookUp(t, forDeposit.key)).body).toMatchObject({ status: 'completed', path: `/v1/accounts/${from}/deposits` });
  });

  it("another client's key answers 404, whether unused or used, exactly as a key that does not exist", async () => {
    const { t } = suite;
    const clientB = await t.newClient('client-b');
    const { from, to } = await fundedPair(t, 1_000);
    const { key } = (await mint(t, { purpose: 'transfers.create' })).body;

    const unused = await lookUp(t, key, clientB);
    expect(unused.status).toBe(404);
    expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);
    const used = await lookUp(t, key, clientB);
    const missing = await lookUp(t, newKey('never-made'), clientB);
    expect(used.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(used.body).toEqual(missing.body);
    expect(used.text).not.toContain(from);
    expect((await lookUp(t, key)).status).toBe(200);
  });

  it('a purpose that is not a lower-case name is a 400 validation error, and no key is minted', async () => {
    const { t } = suite;
    const mintedBefore = await countRows(t, 'idempotency_keys', "status = 'minted'");
    const res = await mint(t, { purpose: 'Transfers Create' });
    expectProblem(res, 400, 'validation_error');
    expect(res.body.param).toBe('purpose');
    expect(await countRows(t, 'idempotency_keys', "status = 'minted'")).toBe(mintedBefore);
  });
});
