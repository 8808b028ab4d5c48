import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyCompleter } from './idempotency-completer.service';
import { LeaseLostError } from './idempotency.errors';
import { IdempotentRun } from './idempotent-run';
import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';
import type { KeyedRequest } from './keyed-request';
import { PhasedExecution } from './phased-execution';
import { PhasedHandlers } from './phased-handlers';
import { resolveIdempotencyOptions } from './resolved-options';

class TestClock extends IdempotencyClock {
  current = new Date('2026-11-30T08:00:00.000Z');
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A declined request, as a route handler would throw it: a stored 402. */
class Declined402 extends Error {}

/**
 * The multi-phase lifecycle on the in-memory store, without HTTP: phases commit and advance the
 * recovery point, a resume skips what committed, an unknown outcome lets go of the lease, and the
 * completer resumes through the registered handler only when it can take the lease.
 */
describe('multi-phase runs', () => {
  let store: InMemoryIdempotencyStore;
  let clock: TestClock;
  let run: IdempotentRun;
  let execution: PhasedExecution;
  let handlers: PhasedHandlers;
  let completer: IdempotencyCompleter;
  const points: string[] = [];
  const keyed: KeyedRequest = {
    scope: 'client',
    key: 'k-1',
    method: 'POST',
    path: '/orders',
    fingerprint: 'f',
    purpose: 'orders.ship',
    ttlSeconds: 3600,
  };

  beforeEach(() => {
    points.length = 0;
    store = new InMemoryIdempotencyStore();
    clock = new TestClock();
    const options = resolveIdempotencyOptions({
      scope: () => 'client',
      leaseMs: 10_000,
      waitMs: 1_000,
      completerGraceMs: 0,
      checkpoint: (point) => points.push(point),
      renderError: (error) =>
        error instanceof Declined402
          ? { status: 402, headers: { 'content-type': 'application/json' }, body: { code: 'insufficient_funds' }, stored: true }
          : undefined,
    });
    run = new IdempotentRun(store, clock, options);
    execution = new PhasedExecution(store, clock, options);
    handlers = new PhasedHandlers();
    completer = new IdempotencyCompleter(store, clock, options, execution, handlers);
  });

  /** A handler: reserve (phase 1), a foreign call whose answer the test decides, then finish. */
  function handler(calls: string[], foreign: () => 'ok' | 'unknown') {
    return async () => {
      const { id } = await run.phase('reserved', async () => {
        calls.push('reserve');
        return { id: 'ord_1' };
      });
      calls.push(`foreign ${id}`);
      if (foreign() === 'unknown') return run.pending({ status: 202, headers: {}, body: { id, status: 'pending' } });
      return run.finish(async () => {
        calls.push('record');
        return { status: 201, headers: {}, body: { id, status: 'done' } };
      });
    };
  }

  it('stores the final answer with recovery point finished, after the phase and before the answer', async () => {
    const calls: string[] = [];
    const result = await execution.start(
      keyed,
      { a: 1 },
      handler(calls, () => 'ok'),
    );
    expect(result).toMatchObject({ kind: 'finished', response: { status: 201, body: '{"id":"ord_1","status":"done"}' } });
    expect(calls).toEqual(['reserve', 'foreign ord_1', 'record']);
    expect(await store.find('client', 'k-1')).toMatchObject({ status: 'completed', recoveryPoint: 'finished', leaseOwner: null });
    expect(points).toEqual(['after_phase:reserved', 'before_answer']);
  });

  it('leaves an unknown outcome at its recovery point, lease let go; a resume skips the committed phase', async () => {
    const calls: string[] = [];
    const first = await execution.start(
      keyed,
      { a: 1 },
      handler(calls, () => 'unknown'),
    );
    expect(first).toMatchObject({ kind: 'pending', response: { status: 202 } });
    const waiting = (await store.find('client', 'k-1'))!;
    expect(waiting).toMatchObject({ status: 'in_progress', recoveryPoint: 'reserved', leaseOwner: null, requestBody: '{"a":1}' });
    expect(JSON.parse(waiting.resumeState!)).toEqual({ reserved: { id: 'ord_1' } });

    expect(await store.acquire('client', 'k-1', 'owner-2', clock.now(), new Date(clock.now().getTime() + 10_000))).toBe(true);
    const resumed = await execution.resume(
      (await store.find('client', 'k-1'))!,
      'owner-2',
      handler(calls, () => 'ok'),
    );
    expect(resumed.kind).toBe('finished');
    expect(calls).toEqual(['reserve', 'foreign ord_1', 'foreign ord_1', 'record']);
  });

  it('records a decline before any phase committed as a single-transaction decline, leaving nothing', async () => {
    const result = await execution.start(keyed, {}, async () => {
      await run.phase('reserved', async () => {
        throw new Declined402();
      });
    });
    expect(result).toMatchObject({ kind: 'declined', response: { status: 402 } });
    expect(await store.find('client', 'k-1')).toBeNull();
  });

  it('finishes the key with a decline raised after a phase committed', async () => {
    const result = await execution.start(keyed, {}, async () => {
      await run.phase('reserved', async () => ({ id: 'ord_1' }));
      throw new Declined402();
    });
    expect(result).toMatchObject({ kind: 'finished', response: { status: 402 } });
    expect(await store.find('client', 'k-1')).toMatchObject({ status: 'completed', recoveryPoint: 'finished' });
  });

  it('refuses a phase whose lease was lost: nothing of it is recorded', async () => {
    const result = execution.start(keyed, {}, async () => {
      await run.phase('reserved', async () => ({ id: 'ord_1' }));
      clock.advance(10_001); // the lease lapsed during the foreign call; another attempt takes it
      expect(await store.acquire('client', 'k-1', 'thief', clock.now(), new Date(clock.now().getTime() + 10_000))).toBe(true);
      return run.phase('shipped', async () => ({ shipped: true }));
    });
    await expect(result).rejects.toThrow(LeaseLostError);
    expect(await store.find('client', 'k-1')).toMatchObject({ recoveryPoint: 'reserved', leaseOwner: 'thief' });
  });

  it('has the completer resume abandoned keys through the registered handler, and only keys it can lease', async () => {
    const calls: string[] = [];
    await execution.start(
      keyed,
      { a: 1 },
      handler(calls, () => 'unknown'),
    );
    await execution.start(
      { ...keyed, key: 'k-2' },
      { a: 2 },
      handler(calls, () => 'unknown'),
    );
    // k-2 is being resumed by a client retry right now: the completer must leave it alone.
    expect(await store.acquire('client', 'k-2', 'client-retry', clock.now(), new Date(clock.now().getTime() + 10_000))).toBe(true);
    const bodies: unknown[] = [];
    handlers.register('orders.ship', (_scope, body) => {
      bodies.push(body);
      return handler(calls, () => 'ok')();
    });
    expect(await completer.runOnce()).toEqual({ found: 1, finished: 1, pending: 0, skipped: 0, failed: 0 });
    expect(bodies).toEqual([{ a: 1 }]);
    expect(await store.find('client', 'k-1')).toMatchObject({ status: 'completed' });
    expect(await store.find('client', 'k-2')).toMatchObject({ status: 'in_progress', leaseOwner: 'client-retry' });
  });

  it('never lets a single-transaction claim take over a key waiting at a recovery point, even past its lease', async () => {
    await execution.start(
      keyed,
      {},
      handler([], () => 'unknown'),
    );
    clock.advance(60 * 60 * 1000 + 1); // past the lease and the retention
    const claim = await store.claim({ ...keyed, owner: 'other', now: clock.now(), leaseExpiresAt: clock.now(), expiresAt: clock.now(), waitMs: 0 });
    expect(claim.outcome).not.toBe('claimed');
    expect(await store.purgeExpired(clock.now(), 10)).toBe(0);
  });
});
