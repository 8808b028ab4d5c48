import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsTransformer } from '../common/money';

/**
 * A balance holder. `customer` accounts belong to a client's users and never go below zero;
 * one `external` account per client and currency stands for the world outside (deposits are
 * posted against it), so it may go negative and the ledger still sums to zero. One `in_transit`
 * account per client and currency holds payouts whose bank answer is not recorded yet.
 */
@Entity({ name: 'accounts' })
export class AccountEntity {
  /** Insertion order, for newest-first listing; never shown. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  /** Cached sum of this account's ledger entries, updated in the same transaction as they are. */
  @Column({ type: 'bigint', transformer: minorUnitsTransformer })
  balance: number;

  @Column({ type: 'varchar', length: 16 })
  kind: 'customer' | 'external' | 'in_transit';

  /** `<client>:<currency>` on the external account, so there is exactly one; null otherwise. */
  @Column({ name: 'external_key', type: 'varchar', length: 64, nullable: true })
  externalKey: string | null;

  @Column({ name: 'allow_negative', type: 'boolean' })
  allowNegative: boolean;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
