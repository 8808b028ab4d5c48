import { ConfigurableModuleBuilder, Type } from '@nestjs/common';
import type { IdempotencyModuleOptions } from './idempotency.options';
import type { IdempotencyStore } from './idempotency-store';

export interface IdempotencyModuleExtras {
  /** The store implementation. Default: `TypeOrmIdempotencyStore`. */
  store?: Type<IdempotencyStore>;
  /** Register `/v1/idempotency-keys` (mint and inspect). Default `true`. */
  controller?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableIdempotencyModule,
  MODULE_OPTIONS_TOKEN: IDEMPOTENCY_MODULE_OPTIONS,
  OPTIONS_TYPE: IDEMPOTENCY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: IDEMPOTENCY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<IdempotencyModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<IdempotencyModuleExtras>({}, (definition) => definition)
  .build();
