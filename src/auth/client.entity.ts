import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An API client: a tenant whose keys, accounts and transfers no other client can see. Its keys are `ApiKeyEntity` rows. */
@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
