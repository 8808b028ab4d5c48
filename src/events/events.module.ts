import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EVENTS_ENTITIES } from './events.entities';
import { DeliveryQueue } from './delivery-queue';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { SubscribedEndpointsCache } from './subscribed-endpoints.cache';
import { WebhookMetrics } from './webhook-metrics';

/**
 * Events (a transactional outbox) and their delivery as signed webhooks. Other modules announce a
 * change with `EventsService.record(...)` inside the change's transaction.
 */
@Module({
  imports: [TypeOrmModule.forFeature(EVENTS_ENTITIES)],
  controllers: [EventsController, WebhookEndpointsController],
  providers: [
    EventsService,
    { provide: SubscribedEndpointsCache, useFactory: () => new SubscribedEndpointsCache() },
    WebhookEndpointsService,
    DeliveryQueue,
    WebhookDispatcher,
    WebhookMetrics,
  ],
  exports: [EventsService, WebhookDispatcher],
})
export class EventsModule {}
