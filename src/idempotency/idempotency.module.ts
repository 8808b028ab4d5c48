import { DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { IdempotencyClock } from './idempotency-clock';
import { IdempotencyKeysController } from './idempotency-keys.controller';
import { IdempotencyOpenApiService } from './idempotency-openapi.service';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import {
  ConfigurableIdempotencyModule,
  IDEMPOTENCY_ASYNC_OPTIONS_TYPE,
  IDEMPOTENCY_MODULE_OPTIONS,
  IDEMPOTENCY_OPTIONS_TYPE,
} from './idempotency.module-definition';
import type { IdempotencyModuleOptions, ResolvedIdempotencyOptions } from './idempotency.options';
import { CompletedKeysCache } from './completed-keys.cache';
import { IdempotencyPurgeService } from './idempotency-purge.service';
import { IdempotencyCompleter } from './idempotency-completer.service';
import { IdempotentRun } from './idempotent-run';
import { PhasedExecution } from './phased-execution';
import { PhasedHandlers } from './phased-handlers';
import { IdempotencyStore } from './idempotency-store';
import { RESOLVED_IDEMPOTENCY_OPTIONS, resolveIdempotencyOptions } from './resolved-options';
import { TypeOrmIdempotencyStore } from './typeorm-idempotency.store';

/**
 * Exactly-once POST/PATCH for NestJS. Import it once with `forRoot()`/`forRootAsync()`, mark routes
 * with `@Idempotent()`. The default store needs TypeORM, `@nestjs-cls/transactional`'s
 * `ClsPluginTransactional` with the TypeORM adapter (so that the route's repositories join the
 * transaction the key is claimed in) and a `classifyError` option for the database driver.
 */
@Module({})
export class IdempotencyModule extends ConfigurableIdempotencyModule {
  static forRoot(options: typeof IDEMPOTENCY_OPTIONS_TYPE): DynamicModule {
    return this.complete(super.forRoot(options), options);
  }

  static forRootAsync(options: typeof IDEMPOTENCY_ASYNC_OPTIONS_TYPE): DynamicModule {
    return this.complete(super.forRootAsync(options), options);
  }

  private static complete(
    definition: DynamicModule,
    extras: { store?: (typeof IDEMPOTENCY_OPTIONS_TYPE)['store']; controller?: boolean },
  ): DynamicModule {
    return {
      ...definition,
      global: true,
      imports: [...(definition.imports ?? []), DiscoveryModule],
      controllers: extras.controller === false ? [] : [IdempotencyKeysController],
      providers: [
        ...(definition.providers ?? []),
        {
          provide: RESOLVED_IDEMPOTENCY_OPTIONS,
          useFactory: (options: IdempotencyModuleOptions) => resolveIdempotencyOptions(options),
          inject: [IDEMPOTENCY_MODULE_OPTIONS],
        },
        { provide: IdempotencyStore, useClass: extras.store ?? TypeOrmIdempotencyStore },
        {
          provide: CompletedKeysCache,
          useFactory: (options: ResolvedIdempotencyOptions) => new CompletedKeysCache(options.replayCacheSize),
          inject: [RESOLVED_IDEMPOTENCY_OPTIONS],
        },
        IdempotencyClock,
        IdempotencyInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
        IdempotencyPurgeService,
        IdempotencyOpenApiService,
        IdempotentRun,
        PhasedExecution,
        PhasedHandlers,
        IdempotencyCompleter,
      ],
      exports: [
        IdempotencyStore,
        IdempotencyPurgeService,
        IdempotencyClock,
        RESOLVED_IDEMPOTENCY_OPTIONS,
        IdempotentRun,
        PhasedHandlers,
        IdempotencyCompleter,
        CompletedKeysCache,
      ],
    };
  }
}
