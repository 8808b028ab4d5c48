import { DomainError } from '../common/domain-error';
import { isWellFormedId } from '../common/ids';

export class EventNotFoundError extends DomainError {
  readonly code = 'event_not_found';
  readonly status = 404;
  readonly stored = true;
  constructor(eventId: string) {
    super(isWellFormedId(eventId) ? `No such event: ${eventId}.` : 'No such event.');
  }
}

export class WebhookEndpointNotFoundError extends DomainError {
  readonly code = 'webhook_endpoint_not_found';
  readonly status = 404;
  readonly stored = true;
  constructor(endpointId: string) {
    super(isWellFormedId(endpointId) ? `No such webhook endpoint: ${endpointId}.` : 'No such webhook endpoint.');
  }
}

/**
 * `EventsService.record` was called outside a transaction: the event could commit without the
 * change, or the change without the event. A programming error, never caused by a request.
 */
export class OutboxOutsideTransactionError extends Error {
  constructor(type: string) {
    super(
      `EventsService.record('${type}') must run inside the transaction that makes the change ` +
        '(an @Idempotent() route, or UnitOfWork.run), so that the event commits or rolls back with it.',
    );
    this.name = 'OutboxOutsideTransactionError';
  }
}
