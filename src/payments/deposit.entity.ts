import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsTransformer } from '../common/money';

@Entity({ name: 'deposits' })
export class DepositEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 40, unique: true })
  id: string;

  @Column({ name: 'client_id', type: 'varchar', length: 40 })
  clientId: string;

  @Column({ name: 'account_id', type: 'varchar', length: 40 })
  accountId: string;

  @Column({ type: 'bigint', transformer: minorUnitsTransformer })
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
