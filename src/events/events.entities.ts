import { EventEntity } from './event.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export const EVENTS_ENTITIES = [EventEntity, WebhookEndpointEntity, WebhookDeliveryEntity, WebhookAttemptEntity];
