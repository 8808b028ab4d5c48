import type { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { RetryPolicy } from '../idempotency';
import { UnitOfWork } from './unit-of-work';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });

/** A transaction host whose transactions run the work directly; `active` says whether one is already open. */
function host(active: boolean) {
  const opened = { count: 0 };
  const txHost = {
    isTransactionActive: () => active,
    withTransaction: (work: () => Promise<unknown>) => (opened.count++, work()),
  } as unknown as TransactionHost<TransactionalAdapterTypeOrm>;
  return { txHost, opened };
}

describe('UnitOfWork', () => {
  const policy = new RetryPolicy({ retries: 2, baseDelayMs: 1, maxDelayMs: 1 });

  it('opens a transaction of its own and re-runs it after a deadlock, as the one retry policy allows', async () => {
    const { txHost, opened } = host(false);
    let calls = 0;
    await expect(new UnitOfWork(txHost, policy).run(async () => (++calls < 3 ? Promise.reject(deadlock()) : 'done'))).resolves.toBe('done');
    expect({ calls, transactions: opened.count }).toEqual({ calls: 3, transactions: 3 });

    calls = 0;
    await expect(new UnitOfWork(txHost, policy).run(async () => (calls++, Promise.reject(deadlock())))).rejects.toMatchObject({ errno: 1213 });
    expect(calls).toBe(3);
  });

  it("joins a transaction someone else opened (the idempotency layer's) and never retries on its own", async () => {
    const { txHost, opened } = host(true);
    let calls = 0;
    await expect(new UnitOfWork(txHost, policy).run(async () => (calls++, Promise.reject(deadlock())))).rejects.toMatchObject({ errno: 1213 });
    expect({ calls, transactions: opened.count }).toEqual({ calls: 1, transactions: 0 });
  });

  it('does not re-run a unit that failed for any other reason', async () => {
    const { txHost } = host(false);
    let calls = 0;
    await expect(new UnitOfWork(txHost, policy).run(async () => (calls++, Promise.reject(new Error('declined'))))).rejects.toThrow('declined');
    expect(calls).toBe(1);
  });
});
