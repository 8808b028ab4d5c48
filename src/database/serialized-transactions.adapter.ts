import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { DataSource } from 'typeorm';

/**
 * The TypeORM adapter of `@nestjs-cls/transactional`, with one addition for SQLite: TypeORM's
 * better-sqlite3 driver runs every transaction on the one connection, so two concurrent
 * `BEGIN`s would collide. Here SQLite transactions queue behind each other (one writer, as
 * SQLite has anyway); MySQL transactions run concurrently on the pool as usual.
 */
export class SerializedTransactionsAdapter extends TransactionalAdapterTypeOrm {
  constructor(options: { dataSourceToken: unknown }) {
    super(options as ConstructorParameters<typeof TransactionalAdapterTypeOrm>[0]);
    const base = this.optionsFactory;
    this.optionsFactory = (dataSource: DataSource) => {
      const options = base(dataSource);
      if (dataSource.options.type !== 'better-sqlite3') return options;
      let tail: Promise<unknown> = Promise.resolve();
      const wrap = options.wrapWithTransaction;
      return {
        ...options,
        wrapWithTransaction: (txOptions, fn, setClient) => {
          const run = tail.then(() => wrap(txOptions, fn, setClient));
          tail = run.catch(() => undefined);
          return run;
        },
      };
    };
  }
}
