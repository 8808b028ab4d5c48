import { Module } from '@nestjs/common';
import { DeliveryQueue } from './delivery-queue';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookMetrics } from './webhook-metrics';

/**
 * Events (a transactional outbox) and their delivery as signed webhooks. Other modules announce a
 * change with `EventsService.record(...)` inside the change's transaction.
 */
@Module({
  controllers: [EventsController, WebhookEndpointsController],
  providers: [EventsService, WebhookEndpointsService, DeliveryQueue, WebhookDispatcher, WebhookMetrics],
  exports: [EventsService, WebhookDispatcher],
})
export class EventsModule {}
