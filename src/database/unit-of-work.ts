import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { classifyDatabaseError } from '../idempotency';

const MAX_ATTEMPTS = 4;

/**
 * Runs a unit of work in a transaction. When one is already open (the idempotency layer opened it
 * around the request) the work joins it and the owner of that transaction does the retrying;
 * otherwise this opens one and re-runs the whole unit after a deadlock, a few times, before the
 * error surfaces as a 503. A deadlocked transaction rolled back, so re-running it is safe.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.txHost.isTransactionActive()) return work();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.txHost.withTransaction(work);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || classifyDatabaseError(error) !== 'transient') throw error;
      }
    }
  }

  /** Whether the database in use takes row locks (`SELECT … FOR UPDATE`); SQLite serializes instead. */
  get locksRows(): boolean {
    return this.txHost.tx.connection.options.type === 'mysql';
  }
}
