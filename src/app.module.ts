import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { FixedWindowThrottlerStorage } from './auth/fixed-window-throttler.storage';
import { SharedThrottlerStorage } from './auth/shared-throttler.storage';
import type { AuthenticatedRequest } from './auth/api-key.guard';
import type { AppConfig } from './config/app-config';
import { ProblemFilter } from './common/problem.filter';
import { renderProblem } from './common/problem';
import { CommonModule } from './common/common.module';
import { classifyDatabaseError } from './database/database-errors';
import { SingleHeadersMiddleware } from './common/single-headers.middleware';
import { DatabaseModule } from './database/database.module';
import { transientRetryPolicy } from './database/transient-retry';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { requestLoggingParams } from './observability/request-logging';
import { LoggerModule } from 'nestjs-pino';
import { ThrottlerModule } from '@nestjs/throttler';
import { IdempotencyModule } from './idempotency';
import { PaymentsModule } from './payments/payments.module';
import { PayoutsModule } from './payouts/payouts.module';
import { crashPoint } from './common/test-crash';

@Module({})
export class AppModule implements NestModule {
  /** Before any guard: a request with two `Authorization` headers never reaches authentication. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SingleHeadersMiddleware).forRoutes('*');
  }

  /** The application for one configuration; tests build it with their own. */
  static forRoot(config: AppConfig): DynamicModule {
    // One policy for every re-run of a unit of work that lost a race, the app's and the idempotency layer's.
    const retryPolicy = transientRetryPolicy(config.dbTransientRetries);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ app: config })] }),
        LoggerModule.forRoot(requestLoggingParams(config.logLevel, config.idempotency.headerName)),
        CommonModule,
        ObservabilityModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
          storage: config.redisUrl ? new SharedThrottlerStorage(config.redisUrl) : new FixedWindowThrottlerStorage(),
        }),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(config, retryPolicy),
        AuthModule,
        IdempotencyModule.forRoot({
          scope: (request: AuthenticatedRequest) => request.client?.id,
          renderError: renderProblem,
          classifyError: classifyDatabaseError,
          retryPolicy,
          headerName: config.idempotency.headerName,
          enabled: config.idempotency.enabled,
          ttlSeconds: config.idempotency.ttlSeconds,
          leaseMs: config.idempotency.leaseMs,
          waitMs: config.idempotency.waitMs,
          schema: config.idempotency.schema,
          completerEnabled: config.completerEnabled,
          completerGraceMs: config.completerGraceMs,
          checkpoint: crashPoint,
          replayCacheSize: config.idempotency.replayCacheSize,
        }),
        PaymentsModule,
        PayoutsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
