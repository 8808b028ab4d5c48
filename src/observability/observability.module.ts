import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RequestObserverMiddleware } from './request-observer.middleware';
import { RouteLabelGuard } from './route-label.guard';
import { StateGauges } from './state-gauges';

/** `/metrics`: request timing, idempotency outcomes, pool and purge gauges. Import before modules with guards. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, StateGauges, { provide: APP_GUARD, useClass: RouteLabelGuard }],
  exports: [MetricsService],
})
export class ObservabilityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestObserverMiddleware).forRoutes('*');
  }
}
