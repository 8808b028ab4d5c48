import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { isWellFormedId, newId } from '../common/ids';
import { EntitySql, placeholders, StatementsBySize } from '../database/entity-sql';
import { transactionQuery, transactionWrite } from '../idempotency';
import { paginate } from '../payments/pagination';
import { EventEntity } from './event.entity';
import { ALL_EVENTS, EventType } from './event-types';
import { EventNotFoundError, OutboxOutsideTransactionError } from './events.errors';
import { presentEvent, PresentedEvent } from './events.presenters';
import { EndpointSubscription, SubscribedEndpointsCache } from './subscribed-endpoints.cache';
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
  private readonly eventSql: EntitySql<EventEntity>;
  private readonly deliverySql: EntitySql<WebhookDeliveryEntity>;
  private readonly endpointSql: EntitySql<WebhookEndpointEntity>;
  /** The condition "the client's endpoints are exactly these `count` ids" (parameters: client, then client and ids). */
  private readonly unchangedSql = new StatementsBySize((count) => {
    const e = this.endpointSql;
    const all = `(SELECT COUNT(*) FROM ${e.table} WHERE ${e.column('clientId')} = ?) = ${count}`;
    if (!count) return all;
    return `${all} AND (SELECT COUNT(*) FROM ${e.table} WHERE ${e.column('clientId')} = ? AND ${e.column('id')} IN (${placeholders(count)})) = ${count}`;
  });

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly clock: Clock,
    private readonly endpointsCache: SubscribedEndpointsCache,
    dataSource: DataSource,
  ) {
    this.eventSql = new EntitySql(dataSource, EventEntity);
    this.deliverySql = new EntitySql(dataSource, WebhookDeliveryEntity);
    this.endpointSql = new EntitySql(dataSource, WebhookEndpointEntity);
  }

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
    const endpoints = await this.writeEvent(event);
    await this.fanOut(event, endpoints);
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
   * Writes the event and answers the client's endpoints at that moment, read by the same statement
   * when this process knows them: the event's `INSERT` carries the condition that the client's
   * endpoints are exactly the ones known (count and ids), so the usual case is one statement, not an
   * insert and a lookup. When the condition fails (an endpoint created or deleted by another process,
   * or none known yet), nothing was written: the endpoints are read, remembered, and the event is
   * written unconditionally, as before. Either way the endpoints are those committed when the
   * transaction read them (READ COMMITTED: each statement sees the latest commits), the same moment
   * a separate lookup had.
   */
  private async writeEvent(event: NewEvent): Promise<readonly EndpointSubscription[]> {
    const known = this.endpointsCache.get(event.clientId);
    if (known) {
      const { sql, parameters } = this.eventSql.insertWhere(event, this.unchangedSql.get(known.length), [
        event.clientId,
        ...(known.length ? [event.clientId, ...known.map((endpoint) => endpoint.id)] : []),
      ]);
      if ((await transactionWrite(this.txHost.tx, sql, parameters)) === 1) return known;
    }
    const e = this.endpointSql;
    const rows: Array<{ id: string; enabled_events: string }> = await this.txHost.tx.query(
      `SELECT ${e.column('id')} AS id, ${e.column('enabledEvents')} AS enabled_events FROM ${e.table} WHERE ${e.column('clientId')} = ? ORDER BY ${e.column('seq')} ASC`,
      [event.clientId],
    );
    const endpoints = rows.map((row) => ({ id: String(row.id), types: new Set(JSON.parse(row.enabled_events) as string[]) }));
    this.endpointsCache.set(event.clientId, endpoints);
    const insert = this.eventSql.insert([event]);
    await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
    return endpoints;
  }

  /**
   * One delivery per endpoint subscribed at this moment. An endpoint created concurrently sees only
   * the events committed after it: it is told about what happens from its creation on.
   */
  private async fanOut(event: NewEvent, endpoints: readonly EndpointSubscription[]): Promise<void> {
    const subscribed = endpoints.filter((endpoint) => endpoint.types.has(ALL_EVENTS) || endpoint.types.has(event.type));
    if (!subscribed.length) return;
    const insert = this.deliverySql.insert(
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
    );
    await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
  }
}
