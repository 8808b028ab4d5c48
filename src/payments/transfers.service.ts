import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { isWellFormedId, newId } from '../common/ids';
import { EntitySql } from '../database/entity-sql';
import { transactionQuery } from '../idempotency';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { CreateTransferDto } from './dto/create-transfer.dto';
import { LedgerService, requireWellFormedAccounts } from './ledger.service';
import { paginate } from './pagination';
import { AmountExceedsRefundableError, SameAccountError, TransferNotFoundError } from './payments.errors';
import { presentReversal, presentTransfer } from './payments.presenters';
import { ReversalEntity } from './reversal.entity';
import { TransferEntity } from './transfer.entity';

@Injectable()
export class TransfersService {
  private readonly transferSql: EntitySql<TransferEntity>;
  private readonly reversalSql: EntitySql<ReversalEntity>;

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    private readonly events: EventsService,
    dataSource: DataSource,
  ) {
    this.transferSql = new EntitySql(dataSource, TransferEntity);
    this.reversalSql = new EntitySql(dataSource, ReversalEntity);
  }

  async create(clientId: string, input: CreateTransferDto) {
    if (input.from_account === input.to_account) throw new SameAccountError();
    return this.unitOfWork.run(async () => {
      const transfer: Omit<TransferEntity, 'seq'> = {
        id: newId('tr'),
        clientId,
        fromAccount: input.from_account,
        toAccount: input.to_account,
        amount: input.amount,
        amountReversed: 0,
        currency: input.currency,
        status: 'succeeded',
        description: input.description ?? null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        createdAt: this.clock.now(),
      };
      const legs = [
        { accountId: input.from_account, amount: -input.amount, param: 'from_account' },
        { accountId: input.to_account, amount: input.amount, param: 'to_account' },
      ];
      requireWellFormedAccounts(legs);
      const insert = this.transferSql.insert([transfer]);
      await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
      const presented = presentTransfer(transfer);
      await this.events.record(clientId, 'transfer.created', presented);
      // Last: the accounts' row locks are the contended ones (see LedgerService.post).
      await this.ledger.post({ clientId, postingId: transfer.id, postingType: 'transfer', currency: input.currency, createdAt: transfer.createdAt, legs });
      return presented;
    });
  }

  async retrieve(clientId: string, transferId: string) {
    if (!isWellFormedId(transferId)) throw new TransferNotFoundError(transferId);
    const transfer = await this.transfers.findOne({ where: { id: transferId, clientId } });
    if (!transfer) throw new TransferNotFoundError(transferId);
    return presentTransfer(transfer);
  }

  list(clientId: string, page: { limit: number; startingAfter?: string }, accountId?: string) {
    // No account has a malformed id: the list of its transfers is empty.
    if (accountId !== undefined && !isWellFormedId(accountId)) return Promise.resolve({ object: 'list' as const, data: [], has_more: false });
    const where = accountId ? [{ clientId, fromAccount: accountId }, { clientId, toAccount: accountId }] : { clientId };
    return paginate(this.transfers, where, page, presentTransfer);
  }

  /**
   * Moves money back from the recipient to the sender. The transfer row is locked first, so two
   * reversals of one transfer run one after the other and never reverse more than was sent.
   */
  async reverse(clientId: string, transferId: string, requested?: number) {
    if (!isWellFormedId(transferId)) throw new TransferNotFoundError(transferId);
    return this.unitOfWork.run(async () => {
      const t = this.transferSql;
      const rows = await transactionQuery<Array<Record<string, unknown>>>(
        this.txHost.tx,
        `SELECT ${t.columns()} FROM ${t.table} WHERE ${t.column('id')} = ? AND ${t.column('clientId')} = ?${this.unitOfWork.locksRows ? ' FOR UPDATE' : ''}`,
        [transferId, clientId],
      );
      if (!rows.length) throw new TransferNotFoundError(transferId);
      const transfer = t.fromRow(rows[0]);
      const refundable = transfer.amount - transfer.amountReversed;
      const amount = requested ?? refundable;
      if (amount <= 0 || amount > refundable) throw new AmountExceedsRefundableError(refundable);
      const reversal: Omit<ReversalEntity, 'seq'> = {
        id: newId('trr'),
        clientId,
        transferId,
        amount,
        currency: transfer.currency,
        createdAt: this.clock.now(),
      };
      await transactionQuery(this.txHost.tx, `UPDATE ${t.table} SET ${t.column('amountReversed')} = ? WHERE ${t.column('id')} = ?`, [
        t.toDb('amountReversed', transfer.amountReversed + amount),
        transfer.id,
      ]);
      const insert = this.reversalSql.insert([reversal]);
      await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
      // The event carries the transfer as it now reads (its amount_reversed includes this reversal).
      await this.events.record(clientId, 'transfer.reversed', presentTransfer({ ...transfer, amountReversed: transfer.amountReversed + amount }));
      await this.ledger.post({
        clientId,
        postingId: reversal.id,
        postingType: 'reversal',
        currency: transfer.currency,
        createdAt: reversal.createdAt,
        legs: [
          { accountId: transfer.toAccount, amount: -amount },
          { accountId: transfer.fromAccount, amount },
        ],
      });
      return presentReversal(reversal);
    });
  }

  private get transfers() {
    return this.txHost.tx.getRepository(TransferEntity);
  }
}
