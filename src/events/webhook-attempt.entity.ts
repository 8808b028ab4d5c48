import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed';

/** One POST to an endpoint, kept so a developer can see what their receiver answered. */
@Entity({ name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 40 })
  deliveryId: string;

  @Column({ name: 'event_id', type: 'varchar', length: 40 })
  eventId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @Column({ type: 'integer' })
  attempt: number;

  /** The receiver's HTTP status; null when there was no answer (refused, timed out, blocked). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  error: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: AttemptOutcome;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
