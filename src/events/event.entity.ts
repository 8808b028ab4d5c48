import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EventType } from './event-types';

/** One row of the outbox: written in the transaction of the change it announces, never updated. */
@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ type: 'varchar', length: 40 })
  type: EventType;

  /** `data.object.id`: which transfer, deposit or payout the event is about. */
  @Column({ name: 'object_id', type: 'varchar', length: 40 })
  objectId: string;

  /** The object as the API showed it at the moment of the change, as JSON. */
  @Column({ type: 'text' })
  data: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
