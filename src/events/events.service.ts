import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { isWellFormedId, newId } from '../common/ids';
import { paginate } from '../payments/pagination';
import { EventEntity } from './event.entity';
import { ALL_EVENTS, EventType } from './event-types';
import { EventNotFoundError, OutboxOutsideTransactionError } from './events.errors';
import { presentEvent, PresentedEvent } from './events.presenters';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/** What an event is about: an object as the API shows it (it has an `id` and an `object` name). */
export interface AnnouncedObject {
  id: string;
  object: string;
}

type NewEvent = Omit<EventEntity, 'seq'>;

/**
 * The outbox. `record` writes an event, and one delivery per subscribed endpoint, through the
 * transaction of the change it announces: both commit together or neither does. A declined or
 * failed request rolls its event back; a replayed request does not run the handler, so it writes none.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly clock: Clock,
  ) {}

  async record(clientId: string, type: EventType, object: AnnouncedObject): Promise<PresentedEvent> {
    if (!this.txHost.isTransactionActive()) throw new OutboxOutsideTransactionError(type);
    const event: NewEvent = {
      id: newId('evt'),
      clientId,
      type,
      objectId: object.id,
      data: JSON.stringify(object),
      createdAt: this.clock.now(),
    };
    await this.txHost.tx.createQueryBuilder().insert().into(EventEntity).values(event).updateEntity(false).execute();
    await this.fanOut(event);
    return presentEvent(event);
  }

  async retrieve(clientId: string, eventId: string): Promise<PresentedEvent> {
    if (!isWellFormedId(eventId)) throw new EventNotFoundError(eventId);
    const event = await this.txHost.tx.getRepository(EventEntity).findOne({ where: { id: eventId, clientId } });
    if (!event) throw new EventNotFoundError(eventId);
    return presentEvent(event);
  }

  list(clientId: string, page: { limit: number; startingAfter?: string }, type?: EventType) {
    return paginate(this.txHost.tx.getRepository(EventEntity), type ? { clientId, type } : { clientId }, page, presentEvent);
  }

  /**
   * One delivery per endpoint subscribed at this moment. An endpoint created concurrently sees only
   * the events committed after it: it is told about what happens from its creation on.
   */
  private async fanOut(event: NewEvent): Promise<void> {
    const endpoints = await this.txHost.tx
      .getRepository(WebhookEndpointEntity)
      .find({ where: { clientId: event.clientId }, select: { id: true, enabledEvents: true }, order: { seq: 'ASC' } });
    const subscribed = endpoints.filter((endpoint) => {
      const types = JSON.parse(endpoint.enabledEvents) as string[];
      return types.includes(ALL_EVENTS) || types.includes(event.type);
    });
    if (!subscribed.length) return;
    await this.txHost.tx
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryEntity)
      .values(
        subscribed.map((endpoint) => ({
          id: newId('whd'),
          clientId: event.clientId,
          eventId: event.id,
          endpointId: endpoint.id,
          status: 'pending' as const,
          attempts: 0,
          nextAttemptAt: event.createdAt,
          leaseOwner: null,
          createdAt: event.createdAt,
          finishedAt: null,
        })),
      )
      .updateEntity(false)
      .execute();
  }
}
