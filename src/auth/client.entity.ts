import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An API client: a tenant whose keys, accounts and transfers no other client can see. */
@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** SHA-256 of the API key, hex. The key itself is never stored. */
  @Column({ name: 'api_key_hash', type: 'varchar', length: 64 })
  apiKeyHash: string;

  /** The first characters of the key, to tell keys apart in logs and listings. */
  @Column({ name: 'api_key_prefix', type: 'varchar', length: 16 })
  apiKeyPrefix: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
