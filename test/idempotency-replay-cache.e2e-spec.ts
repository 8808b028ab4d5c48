import { IdempotencyStore } from '../src/idempotency/idempotency-store';
import { CompletedKeysCache } from '../src/idempotency/completed-keys.cache';
import { IdempotencyPurgeService } from '../src/idempotency/idempotency-purge.service';
import {
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Replays of keys this process completed are answered from memory: byte-identical, without asking
 * the store, and only while the key has not expired.
 */
describe.each(databasesAndAdapters())('replays from the in-process cache on %s over %s', (kind, adapter) => {
  const suite = useSuiteApp(kind, adapter, { env: { IDEMPOTENCY_TTL_SECONDS: '2' } });

  it('a replay of a completed key is the stored answer, and the store is not asked', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('cached');
    const body = transferBody(from, to, 100);
    const first = await postTransfer(t, key, body);
    expectExecuted(first, 201, key);

    const store = t.app.get<IdempotencyStore>(IdempotencyStore);
    const find = jest.spyOn(store, 'find');
    const claim = jest.spyOn(store, 'claim');
    try {
      expectReplayOf(await postTransfer(t, key, body), first, key);
      expectReplayOf(await postTransfer(t, key, body), first, key);
      expect(find).not.toHaveBeenCalled();
      expect(claim).not.toHaveBeenCalled();
    } finally {
      find.mockRestore();
      claim.mockRestore();
    }
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('the same key with another body is not answered from memory: the store refuses it (422)', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('cached-other-body');
    expectExecuted(await postTransfer(t, key, transferBody(from, to, 100)), 201, key);
    const reused = await postTransfer(t, key, transferBody(from, to, 999));
    expect(reused.status).toBe(422);
    expect(await transfersFrom(t, from)).toBe(1);
  });

  it('an expired key is not replayed from memory: it runs again, and the purge empties the cache of it', async () => {
    const { t } = suite;
    const { from, to } = await fundedPair(t, 1_000);
    const key = newKey('cached-expiring');
    const body = transferBody(from, to, 100);
    const first = await postTransfer(t, key, body);
    expectExecuted(first, 201, key);
    const cache = t.app.get(CompletedKeysCache);
    const other = newKey('cached-expiring-other');
    expectExecuted(await postTransfer(t, other, body), 201, other);

    await sleep(2_500);
    const second = await postTransfer(t, key, body);
    expectExecuted(second, 201, key);
    expect(second.body.id).not.toBe(first.body.id);
    expect(await transfersFrom(t, from)).toBe(3);

    // The other key expired unasked: its entry stays until the purge, which drops every expired one
    // (at most the key just run again is left).
    expect(cache.size).toBeGreaterThanOrEqual(2);
    await t.app.get(IdempotencyPurgeService).purge();
    expect(cache.size).toBeLessThanOrEqual(1);
  });
});
