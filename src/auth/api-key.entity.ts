import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClientEntity } from './client.entity';

/**
 * One API key of a client. A client may hold several (rotation keeps the old one alive for a
 * while; a read-only key sits beside a full one). A key authenticates until `expiresAt` passes or
 * `revokedAt` is set; neither is ever cleared again.
 */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @ManyToOne(() => ClientEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'client_id' })
  client?: ClientEntity;

  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  /** The first characters of the secret, to tell keys apart in listings and logs. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 16 })
  keyPrefix: string;

  /** May only read: every method but GET/HEAD/OPTIONS answers 403 `permission_denied`. */
  @Column({ name: 'read_only', type: 'boolean', default: false })
  readOnly: boolean;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'datetime', precision: 3, nullable: true })
  revokedAt: Date | null;

  /** Refreshed at most once a minute per key and process (see `KeyUsageRecorder`), never on the request's path. */
  @Column({ name: 'last_used_at', type: 'datetime', precision: 3, nullable: true })
  lastUsedAt: Date | null;
}
