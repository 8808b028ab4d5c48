import type { EventEntity } from './event.entity';
import type { WebhookAttemptEntity } from './webhook-attempt.entity';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';

export function presentEvent(event: Pick<EventEntity, 'id' | 'type' | 'data' | 'createdAt'>) {
  return {
    id: event.id,
    object: 'event' as const,
    type: event.type,
    data: { object: JSON.parse(event.data) as Record<string, unknown> },
    created_at: event.createdAt.toISOString(),
  };
}

export type PresentedEvent = ReturnType<typeof presentEvent>;

/** Never the secret: it is shown once, in the answer to the creation. */
export function presentEndpoint(endpoint: WebhookEndpointEntity) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    url: endpoint.url,
    enabled_events: JSON.parse(endpoint.enabledEvents) as string[],
    created_at: endpoint.createdAt.toISOString(),
  };
}

export function presentAttempt(attempt: WebhookAttemptEntity) {
  return {
    id: attempt.id,
    object: 'webhook_attempt' as const,
    event: attempt.eventId,
    delivery: attempt.deliveryId,
    attempt: attempt.attempt,
    status_code: attempt.statusCode,
    error: attempt.error,
    outcome: attempt.outcome,
    duration_ms: attempt.durationMs,
    created_at: attempt.createdAt.toISOString(),
  };
}
