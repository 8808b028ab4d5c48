import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { isWellFormedId, newId } from '../common/ids';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { CreateTransferDto } from './dto/create-transfer.dto';
import { LedgerService } from './ledger.service';
import { paginate } from './pagination';
import { AmountExceedsRefundableError, SameAccountError, TransferNotFoundError } from './payments.errors';
import { presentReversal, presentTransfer } from './payments.presenters';
import { ReversalEntity } from './reversal.entity';
import { TransferEntity } from './transfer.entity';

@Injectable()
export class TransfersService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    private readonly events: EventsService,
  ) {}

  async create(clientId: string, input: CreateTransferDto) {
    if (input.from_account === input.to_account) throw new SameAccountError();
    return this.unitOfWork.run(async () => {
      const transfer = this.transfers.create({
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
      });
      await this.ledger.post({
        clientId,
        postingId: transfer.id,
        postingType: 'transfer',
        currency: input.currency,
        createdAt: transfer.createdAt,
        legs: [
          { accountId: input.from_account, amount: -input.amount, param: 'from_account' },
          { accountId: input.to_account, amount: input.amount, param: 'to_account' },
        ],
      });
      await this.transfers.createQueryBuilder().insert().values(transfer).updateEntity(false).execute();
      const presented = presentTransfer(transfer);
      await this.events.record(clientId, 'transfer.created', presented);
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
      let query = this.transfers.createQueryBuilder('transfer').where({ id: transferId, clientId });
      if (this.unitOfWork.locksRows) query = query.setLock('pessimistic_write');
      const transfer = await query.getOne();
      if (!transfer) throw new TransferNotFoundError(transferId);
      const refundable = transfer.amount - transfer.amountReversed;
      const amount = requested ?? refundable;
      if (amount <= 0 || amount > refundable) throw new AmountExceedsRefundableError(refundable);
      const reversal = this.txHost.tx.getRepository(ReversalEntity).create({
        id: newId('trr'),
        clientId,
        transferId,
        amount,
        currency: transfer.currency,
        createdAt: this.clock.now(),
      });
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
      await this.transfers
        .createQueryBuilder()
        .update()
        .set({ amountReversed: transfer.amountReversed + amount })
        .where({ id: transfer.id })
        .updateEntity(false)
        .execute();
      await this.txHost.tx.createQueryBuilder().insert().into(ReversalEntity).values(reversal).updateEntity(false).execute();
      // The event carries the transfer as it now reads (its amount_reversed includes this reversal).
      await this.events.record(clientId, 'transfer.reversed', presentTransfer({ ...transfer, amountReversed: transfer.amountReversed + amount }));
      return presentReversal(reversal);
    });
  }

  private get transfers() {
    return this.txHost.tx.getRepository(TransferEntity);
  }
}
