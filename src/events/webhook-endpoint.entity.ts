import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** JSON array of event types, or `["*"]`. */
  @Column({ name: 'enabled_events', type: 'varchar', length: 1000 })
  enabledEvents: string;

  /** The signing secret as `SecretBox` sealed it (encrypted when a key is configured). */
  @Column({ type: 'varchar', length: 200 })
  secret: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
