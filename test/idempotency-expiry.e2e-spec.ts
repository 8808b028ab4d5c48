import { bearer } from './support/app';
import {
  balanceOf,
  databasesAndAdapters,
  expectExecuted,
  expectReplayOf,
  fundedPair,
  newKey,
  postTransfer,
  transferBody,
  transfersFrom,
  useSuiteApp,
} from './support/idempotency-fixtures';

const TTL_SECONDS = 1;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Contract §1 retention: after expiry a key may be reused and names a new request. */
describe.each(databasesAndAdapters())('expired keys on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter, { env: { IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS) } });

  it('an expired key names a new request: the same key with another body runs (201), and is bound anew', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('expiring');
    const first = await postTransfer(t, key, transferBody(from, to, 100));
    expectExecuted(first, 201, key);

    await sleep(TTL_SECONDS * 1000 + 500);
    expect((await t.http.get(`/v1/idempotency-keys/${key}`).set(bearer(t.apiKey))).status).toBe(404);
    const second = await postTransfer(t, key, transferBody(from, to, 250));
    expectExecuted(second, 201, key);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.amount).toBe(250);
    expect(await transfersFrom(t, from)).toBe(2);
    expect(await balanceOf(t, from)).toBe(650);

    // Now bound to the second request: it replays (within its own TTL, so sent at once).
    expectReplayOf(await postTransfer(t, key, transferBody(from, to, 250)), second, key);
  });

  it('an expired key with the same body runs again as a new request, not a replay', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('expiring-same');
    const body = transferBody(from, to, 100);
    const first = await postTransfer(t, key, body);
    expectExecuted(first, 201, key);

    await sleep(TTL_SECONDS * 1000 + 500);
    const second = await postTransfer(t, key, body);
    expectExecuted(second, 201, key);
    expect(second.body.id).not.toBe(first.body.id);
    expect(await transfersFrom(t, from)).toBe(2);
  });
});
