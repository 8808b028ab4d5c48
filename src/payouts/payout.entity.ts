import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { minorUnitsTransformer } from '../common/money';

/**
 * Money leaving through the bank. `pending` while the bank's answer is not recorded (its amount
 * sits in the client's in-transit account); then `paid` (settled to the external account) or
 * `failed` (returned to the account), once, never back.
 */
@Entity({ name: 'payouts' })
export class PayoutEntity {
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

  @Column({ name: 'bank_account', type: 'varchar', length: 64 })
  bankAccount: string;

  @Column({ type: 'varchar', length: 16 })
  status: 'pending' | 'paid' | 'failed';

  @Column({ name: 'failure_code', type: 'varchar', length: 40, nullable: true })
  failureCode: string | null;

  /** The bank's id of its transfer, once it said. */
  @Column({ name: 'bank_reference', type: 'varchar', length: 64, nullable: true })
  bankReference: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description: string | null;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}

export function presentPayout(payout: PayoutEntity) {
  return {
    id: payout.id,
    object: 'payout' as const,
    account: payout.accountId,
    amount: payout.amount,
    currency: payout.currency,
    destination: { bank_account: payout.bankAccount },
    status: payout.status,
    failure_code: payout.failureCode,
    bank_reference: payout.bankReference,
    description: payout.description,
    metadata: payout.metadata ? (JSON.parse(payout.metadata) as Record<string, string>) : {},
    created_at: payout.createdAt.toISOString(),
  };
}

export type PayoutView = ReturnType<typeof presentPayout>;
