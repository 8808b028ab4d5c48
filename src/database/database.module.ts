import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { initializeDataSource, withLockWait } from './mysql-session';
import { SerializedTransactionsAdapter } from './serialized-transactions.adapter';
import { UnitOfWork } from './unit-of-work';

/**
 * The DataSource, and the request-scoped transaction that every repository joins through
 * `TransactionHost` (nestjs-cls), whoever opened it: the idempotency layer or a service.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const app = config.getOrThrow<AppConfig>('app');
        const options = dataSourceOptions(app.databaseUrl, { poolSize: app.dbPoolSize, migrationsRun: app.migrationsRun });
        // retryAttempts 0: start-up fails at once with the reason; a supervisor, not a retry loop, restarts.
        return { ...withLockWait(options, app.idempotency.waitMs / 1000), retryAttempts: 0 };
      },
      dataSourceFactory: (options) => initializeDataSource(options!),
    }),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          imports: [TypeOrmModule],
          adapter: new SerializedTransactionsAdapter({ dataSourceToken: DataSource }),
        }),
      ],
    }),
  ],
  providers: [UnitOfWork],
  exports: [UnitOfWork],
})
export class DatabaseModule {}
