import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { RetryPolicy } from '../idempotency';
import { dataSourceOptions } from './data-source-options';
import { initializeDataSource } from './mysql-session';
import { SerializedTransactionsAdapter } from './serialized-transactions.adapter';
import { UnitOfWork } from './unit-of-work';

/**
 * The DataSource, and the request-scoped transaction that every repository joins through
 * `TransactionHost` (nestjs-cls), whoever opened it: the idempotency layer or a service. Entities
 * are registered by their own modules (`TypeOrmModule.forFeature`), so this knows none of them.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, retryPolicy: RetryPolicy): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config.databaseUrl, { poolSize: config.dbPoolSize, migrationsRun: config.migrationsRun }),
            autoLoadEntities: true,
            // retryAttempts 0: start-up fails at once with the reason; a supervisor, not a retry loop, restarts.
            retryAttempts: 0,
          }),
          dataSourceFactory: (options) => initializeDataSource(options!, { lockWaitSeconds: config.dbLockWaitSeconds }),
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
      providers: [UnitOfWork, { provide: RetryPolicy, useValue: retryPolicy }],
      exports: [UnitOfWork, RetryPolicy],
    };
  }
}
