import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../database/database-errors';
import { newId } from '../common/ids';
import { AccountEntity } from '../payments/account.entity';

/**
 * The client's accounts a payout posts against besides the customer's: `in_transit` (the money is
 * on its way; its balance is the sum of the client's pending payouts in that currency) and
 * `external` (the world outside, shared with deposits: the same `<client>:<currency>` key).
 */
@Injectable()
export class PayoutAccounts {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly clock: Clock,
  ) {}

  inTransit(clientId: string, currency: string): Promise<string> {
    return this.ensure(clientId, currency, 'in_transit', `${clientId}:${currency}:in_transit`, `Payouts in transit ${currency.toUpperCase()}`);
  }

  external(clientId: string, currency: string): Promise<string> {
    return this.ensure(clientId, currency, 'external', `${clientId}:${currency}`, `External ${currency.toUpperCase()}`);
  }

  /** Created on first use; of two first uses racing, the unique `external_key` lets one insert win. */
  private async ensure(clientId: string, currency: string, kind: 'in_transit' | 'external', externalKey: string, name: string): Promise<string> {
    const accounts = this.txHost.tx.getRepository(AccountEntity);
    const existing = await accounts.findOne({ where: { externalKey }, select: { id: true } });
    if (existing) return existing.id;
    const id = newId('acct');
    try {
      await accounts
        .createQueryBuilder()
        .insert()
        .values({
          id,
          clientId,
          name,
          currency,
          balance: 0,
          kind,
          externalKey,
          allowNegative: kind === 'external',
          metadata: null,
          createdAt: this.clock.now(),
        })
        .updateEntity(false)
        .execute();
      return id;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await accounts.findOne({ where: { externalKey }, select: { id: true } });
      if (!winner) throw error;
      return winner.id;
    }
  }
}
