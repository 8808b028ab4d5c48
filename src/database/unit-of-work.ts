import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { RetryPolicy } from '../idempotency';
import { isTransientDatabaseError } from './database-errors';

/**
 * Runs a unit of work in a transaction. When one is already open (the idempotency layer opened it
 * around the request, claiming the key in it) the work joins it and never retries on its own: a
 * deadlock rolled back the whole transaction, key claim included, so only its owner can run it
 * again. Otherwise this opens one and re-runs the whole unit after a deadlock as the application's
 * one retry policy allows, before the error surfaces as a 503.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly retryPolicy: RetryPolicy,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.txHost.isTransactionActive()) return work();
    return this.retryPolicy.run(() => this.txHost.withTransaction(work), isTransientDatabaseError);
  }

  /** Whether the database in use takes row locks (`SELECT … FOR UPDATE`); SQLite serializes instead. */
  get locksRows(): boolean {
    return this.txHost.tx.connection.options.type === 'mysql';
  }
}
