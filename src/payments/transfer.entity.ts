import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsTransformer } from '../common/money';

@Entity({ name: 'transfers' })
export class TransferEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ name: 'from_account', type: 'varchar', length: 40 })
  fromAccount: string;

  @Column({ name: 'to_account', type: 'varchar', length: 40 })
  toAccount: string;

  @Column({ type: 'bigint', transformer: minorUnitsTransformer })
  amount: number;

  /** Sum of this transfer's reversals; never above `amount`. */
  @Column({ name: 'amount_reversed', type: 'bigint', transformer: minorUnitsTransformer })
  amountReversed: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 16 })
  status: 'succeeded';

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
