import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IdempotentMetadata } from './idempotent.decorator';
import { nameKeyHeader } from './idempotent.openapi';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

/**
 * Gives every `@Idempotent()` route's documented key header the configured `headerName`, before
 * the OpenAPI document is built: the decorator cannot know it, as it runs before the module is
 * configured. Without `@nestjs/swagger` this does nothing.
 */
@Injectable()
export class IdempotencyOpenApiService implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype) continue;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, object>)[name];
        if (this.reflector.getAllAndOverride(IdempotentMetadata, [handler as never, controller])) {
          nameKeyHeader(controller, handler, this.options.headerName);
        }
      }
    }
  }
}
