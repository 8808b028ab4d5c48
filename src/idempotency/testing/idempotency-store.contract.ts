import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { ClaimRequest, IdempotencyStore, StoredResponse } from '../idempotency-store';
import { LeaseLostError } from '../idempotency.errors';

/** A store to test, and how to dispose of it. */
export interface StoreFixture {
  store: IdempotencyStore;
}

const RESPONSE: StoredResponse = { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":"tr_1"}' };
const HOUR = 3_600_000;

/**
 * The contract of an `IdempotencyStore`, as a suite every store passes (the in-memory one and the
 * TypeORM one on SQLite and MariaDB), so that the interceptor can rely on the port and nothing else.
 * `fixture()` returns the store of the enclosing suite, set up by the caller's hooks.
 */
export function describeIdempotencyStoreContract(name: string, fixture: () => StoreFixture): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    const scope = 'cli_contract';
    const t0 = new Date('2026-06-01T12:00:00.000Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const request = (key: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
      scope,
      key,
      method: 'POST',
      path: '/v1/things',
      fingerprint: 'f'.repeat(64),
      purpose: 'things.create',
      owner: randomUUID(),
      now: t0,
      leaseExpiresAt: at(60_000),
      expiresAt: at(HOUR),
      waitMs: 0,
      ...overrides,
    });
    const newKey = () => `contract-${randomUUID()}`;
    const store = () => fixture().store;

    async function completed(key: string, overrides: Partial<ClaimRequest> = {}) {
      const claim = request(key, overrides);
      await store().inTransaction(async () => {
        expect(await store().claim(claim)).toEqual({ outcome: 'claimed' });
        await store().complete(scope, key, claim.owner, RESPONSE, claim.now);
      });
      return claim;
    }

    it('claims a new key, sees it in_progress inside its unit, and keeps the response after complete', async () => {
      const key = newKey();
      const claim = request(key);
      await store().inTransaction(async () => {
        expect(await store().claim(claim)).toEqual({ outcome: 'claimed' });
        expect(await store().find(scope, key)).toMatchObject({ status: 'in_progress', leaseOwner: claim.owner, fingerprint: claim.fingerprint });
        await store().complete(scope, key, claim.owner, RESPONSE, t0);
      });
      expect(await store().find(scope, key)).toMatchObject({
        scope,
        key,
        status: 'completed',
        purpose: 'things.create',
        method: 'POST',
        path: '/v1/things',
        response: RESPONSE,
        leaseOwner: null,
        createdAt: t0,
        expiresAt: at(HOUR),
      });
    });

    it('leaves no trace of a claim whose unit of work threw', async () => {
      const key = newKey();
      await expect(
        store().inTransaction(async () => {
          await store().claim(request(key));
          throw new Error('handler failed');
        }),
      ).rejects.toThrow('handler failed');
      expect(await store().find(scope, key)).toBeNull();
    });

    it('returns a completed key instead of claiming it, and scopes keys by client', async () => {
      const key = newKey();
      await completed(key);
      const again = await store().inTransaction(() => store().claim(request(key, { now: at(1_000) })));
      expect(again).toMatchObject({ outcome: 'existing', record: { status: 'completed', response: RESPONSE } });
      expect(await store().find('cli_other', key)).toBeNull();
      expect(await store().inTransaction(() => store().claim(request(key, { scope: 'cli_other' })))).toEqual({ outcome: 'claimed' });
    });

    it('claims an expired key afresh, for the new request', async () => {
      const key = newKey();
      await completed(key, { expiresAt: at(1_000) });
      const later = request(key, { now: at(2_000), leaseExpiresAt: at(62_000), expiresAt: at(HOUR + 2_000), fingerprint: 'e'.repeat(64) });
      await store().inTransaction(async () => {
        expect(await store().claim(later)).toEqual({ outcome: 'claimed' });
        await store().complete(scope, key, later.owner, { ...RESPONSE, body: '{"id":"tr_2"}' }, later.now);
      });
      expect(await store().find(scope, key)).toMatchObject({ fingerprint: 'e'.repeat(64), response: { body: '{"id":"tr_2"}' } });
    });

    it('lets a minted key be claimed for its purpose, keeping purpose and creation time, and not for another', async () => {
      const key = newKey();
      await store().mint({ scope, key, purpose: 'things.create', now: t0, expiresAt: at(HOUR) });
      expect(await store().find(scope, key)).toMatchObject({ status: 'minted', purpose: 'things.create', method: null });
      const other = await store().inTransaction(() => store().claim(request(key, { purpose: 'other.create', now: at(10) })));
      expect(other).toMatchObject({ outcome: 'existing', record: { status: 'minted' } });
      await completed(key, { now: at(20) });
      expect(await store().find(scope, key)).toMatchObject({ status: 'completed', purpose: 'things.create', createdAt: t0 });
    });

    it('lets only the lease owner complete, and only before its lease ends', async () => {
      const key = newKey();
      const claim = request(key);
      await expect(
        store().inTransaction(async () => {
          await store().claim(claim);
          await store().complete(scope, key, randomUUID(), RESPONSE, t0);
        }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await expect(
        store().inTransaction(async () => {
          await store().claim(claim);
          await store().complete(scope, key, claim.owner, RESPONSE, claim.leaseExpiresAt);
        }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store().find(scope, key)).toBeNull();
    });

    it('never lets a second claim take a key an unfinished unit of work holds', async () => {
      const key = newKey();
      const first = request(key);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let claimed!: () => void;
      const isClaimed = new Promise<void>((resolve) => (claimed = resolve));
      const holder = store().inTransaction(async () => {
        await store().claim(first);
        claimed();
        await held;
        await store().complete(scope, key, first.owner, RESPONSE, t0);
      });
      await isClaimed;
      // Stores that serialize units of work run the second after the first: release it after a while.
      const timer = setTimeout(release, 300);
      const second = await store().inTransaction(() => store().claim(request(key, { now: at(10) })));
      release();
      clearTimeout(timer);
      await holder;
      expect(second.outcome).not.toBe('claimed');
      if (second.outcome === 'existing') expect(second.record.status).toBe('completed');
    });

    it('purges expired keys only, at most a batch at a time', async () => {
      const prefix = `purge-${randomUUID()}`;
      for (let i = 0; i < 3; i++) await store().mint({ scope: 'cli_purge', key: `${prefix}-${i}`, purpose: null, now: t0, expiresAt: at(1_000) });
      await store().mint({ scope: 'cli_purge', key: `${prefix}-live`, purpose: null, now: t0, expiresAt: at(HOUR) });
      const purgeAt = at(2_000);
      let deleted = 0;
      for (let batch = await store().purgeExpired(purgeAt, 2); batch > 0; batch = await store().purgeExpired(purgeAt, 2)) {
        expect(batch).toBeLessThanOrEqual(2);
        deleted += batch;
      }
      expect(deleted).toBeGreaterThanOrEqual(3);
      expect(await store().find('cli_purge', `${prefix}-0`)).toBeNull();
      expect(await store().find('cli_purge', `${prefix}-live`)).not.toBeNull();
    });
  });
}
