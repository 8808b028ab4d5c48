import { bearer } from './support/app';
import {
  balanceOf,
  countRows,
  databasesAndAdapters,
  depositInto,
  expectExecuted,
  expectProblem,
  expectReplayOf,
  fundedPair,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

/** Contract §3: definite declines are stored and replayed; what fails before the handler is not. */
describe.each(databasesAndAdapters())('which outcomes are stored, on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter);

  it('a 402 insufficient_funds decline is replayed even after the account is funded; a new key then succeeds', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 0);
    const key = newKey('declined');
    const body = transferBody(from, to, 500);

    const declined = await postTransfer(t, key, body);
    expectExecuted(declined, 402, key);
    expectProblem(declined, 402, 'insufficient_funds');

    await depositInto(t, from, 1_000);
    const replay = await postTransfer(t, key, body);
    expectReplayOf(replay, declined, key);
    expect(await transfersFrom(t, from)).toBe(0);
    expect(await balanceOf(t, from)).toBe(1_000);

    const freshKey = newKey('after-funding');
    const succeeded = await postTransfer(t, freshKey, body);
    expectExecuted(succeeded, 201, freshKey);
    expect([await balanceOf(t, from), await balanceOf(t, to)]).toEqual([500, 500]);
  });

  it('a 404 account_not_found decline is stored and replayed', async () => {
    const { t } = suite;
    const { from } = await fundedPair(t, 1_000);
    const key = newKey('unknown-account');
    const body = transferBody(from, 'acct_doesnotexist', 100);
    const declined = await postTransfer(t, key, body);
    expectProblem(declined, 404, 'account_not_found');
    expectReplayOf(await postTransfer(t, key, body), declined, key);
    expect(await balanceOf(t, from)).toBe(1_000);
  });

  it('a 422 amount_exceeds_refundable decline of a reversal is stored and replayed', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const transfer = await postTransfer(t, newKey('to-reverse'), transferBody(from, to, 300));
    expect(transfer.status).toBe(201);
    const key = newKey('too-much');
    const reverse = () =>
      t.http.post(`/v1/transfers/${transfer.body.id}/reversals`).set({ ...bearer(t.apiKey), 'Idempotency-Key': key }).send({ amount: 301 });
    const declined = await reverse();
    expectProblem(declined, 422, 'amount_exceeds_refundable');
    expectReplayOf(await reverse(), declined, key);
    expect(await balanceOf(t, to)).toBe(300);
  });

  it('a 400 validation failure is not stored: the corrected request with the same key then runs (201)', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('corrected');

    const invalid = await postTransfer(t, key, { ...transferBody(from, to, 100), amount: '100' });
    expectExecuted(invalid, 400, key);
    expectProblem(invalid, 400, 'validation_error');
    expect(invalid.body.param).toBe('amount');
    const lookup = await t.http.get(`/v1/idempotency-keys/${key}`).set(bearer(t.apiKey));
    expect(lookup.status).toBe(404);
    expect(await countRows(t, 'idempotency_keys', 'idempotency_key = ?', [key])).toBe(0);

    const corrected = await postTransfer(t, key, transferBody(from, to, 100));
    expectExecuted(corrected, 201, key);
    expectReplayOf(await postTransfer(t, key, transferBody(from, to, 100)), corrected, key);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('a body that is not JSON at all is not stored either: the same key then runs', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('unparsable');
    const broken = await t.http
      .post('/v1/transfers')
      .set({ ...bearer(t.apiKey), 'Idempotency-Key': key, 'Content-Type': 'application/json' })
      .send('{"amount": ');
    expectProblem(broken, 400, 'validation_error');
    expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('a 422 same_account decline raised before any write is stored like every other decline', async () => {
    const { t } = suite;
    const { from } = await fundedPair(t, 1_000);
    const key = newKey('same-account');
    const body = transferBody(from, from, 100);
    const declined = await postTransfer(t, key, body);
    expectProblem(declined, 422, 'same_account');
    expectReplayOf(await postTransfer(t, key, body), declined, key);
  });
});
