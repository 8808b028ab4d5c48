import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { FixedWindowThrottlerStorage } from './auth/fixed-window-throttler.storage';
import type { AuthenticatedRequest } from './auth/api-key.guard';
import type { AppConfig } from './config/app-config';
import { ProblemFilter } from './common/problem.filter';
import { renderProblem } from './common/problem';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { requestLoggingParams } from './observability/request-logging';
import { LoggerModule } from 'nestjs-pino';
import { ThrottlerModule } from '@nestjs/throttler';
import { IdempotencyModule } from './idempotency';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  /** The application for one configuration; tests build it with their own. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        LoggerModule.forRoot(requestLoggingParams(config.logLevel)),
        ObservabilityModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
          storage: new FixedWindowThrottlerStorage(),
        }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        AuthModule,
        IdempotencyModule.forRoot({
          scope: (request: AuthenticatedRequest) => request.client?.id,
          renderError: renderProblem,
          enabled: config.idempotency.enabled,
          ttlSeconds: config.idempotency.ttlSeconds,
          leaseMs: config.idempotency.leaseMs,
          waitMs: config.idempotency.waitMs,
          schema: config.idempotency.schema,
          replayCacheSize: config.idempotency.replayCacheSize,
        }),
        PaymentsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
