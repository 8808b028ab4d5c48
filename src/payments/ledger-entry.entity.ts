import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsTransformer } from '../common/money';

/** One leg of a posting: a signed amount on one account. Every posting's legs sum to zero. */
@Entity({ name: 'ledger_entries' })
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ name: 'account_id', type: 'varchar', length: 40 })
  accountId: string;

  /** The deposit, transfer or reversal this entry belongs to. */
  @Column({ name: 'posting_id', type: 'varchar', length: 40 })
  postingId: string;

  @Column({ name: 'posting_type', type: 'varchar', length: 16 })
  postingType: 'deposit' | 'transfer' | 'reversal' | 'payout' | 'payout_settle' | 'payout_return';

  /** Positive credits the account, negative debits it. */
  @Column({ type: 'bigint', transformer: minorUnitsTransformer })
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
