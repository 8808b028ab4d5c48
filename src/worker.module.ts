import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { CommonModule } from './common/common.module';
import { DatabaseModule } from './database/database.module';
import { transientRetryPolicy } from './database/transient-retry';
import { EventsModule } from './events/events.module';
import { MetricsService } from './observability/metrics.service';
import { requestLoggingParams } from './observability/request-logging';

/** The background jobs without HTTP: the webhook dispatcher. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      global: true,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        LoggerModule.forRoot(requestLoggingParams(config.logLevel, config.idempotency.headerName)),
        CommonModule,
        DatabaseModule.forRoot(config, transientRetryPolicy(config.dbTransientRetries)),
        EventsModule,
      ],
      // What the app's HTTP modules would otherwise provide to the jobs.
      providers: [MetricsService],
      exports: [MetricsService],
    };
  }
}
