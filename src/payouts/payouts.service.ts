import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { IdempotentRun, PhasedHandlers } from '../idempotency';
import { isWellFormedId, newId } from '../common/ids';
import { crashPoint } from '../common/test-crash';
import { UnitOfWork } from '../database/unit-of-work';
import { LedgerService, requireWellFormedAccounts } from '../payments/ledger.service';
import { paginate } from '../payments/pagination';
import { BankOutcome, BankPort } from './bank.port';
import { CreatePayoutDto } from './dto/create-payout.dto';
import { PayoutAccounts } from './payout-accounts';
import { PayoutEntity, presentPayout, PayoutView } from './payout.entity';
import { PayoutNotFoundError } from './payouts.errors';
import { EventsService } from '../events/events.service';

export const PAYOUTS_CREATE = 'payouts.create';

/** A definite answer of the bank, as phase 3 records it. */
export type BankAnswer = Extract<BankOutcome, { outcome: 'paid' | 'declined' }>;

/**
 * Payouts through the bank in three atomic phases (idempotency.md §7):
 * 1. `payout_created` (one transaction, with the key's claim): the payout `pending`, its amount
 *    moved from the account to the in-transit account;
 * 2. the bank call, outside any transaction, with an idempotency key derived from the payout;
 * 3. `recordBankAnswer` (one transaction, with the stored response): settled or returned, and
 *    announced as `payout.paid` or `payout.failed` through the outbox in that transaction.
 * An unknown outcome answers 202 `pending`; a retry or the completer runs `create` again, which
 * skips phase 1 and asks the bank again (by reference first) until it says what happened.
 */
@Injectable()
export class PayoutsService implements OnModuleInit {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: LedgerService,
    private readonly accounts: PayoutAccounts,
    private readonly clock: Clock,
    private readonly run: IdempotentRun,
    private readonly handlers: PhasedHandlers,
    @Inject(BankPort) private readonly bank: BankPort,
    private readonly events: EventsService,
  ) {}

  onModuleInit(): void {
    // The completer resumes abandoned payouts through the very method client requests run.
    this.handlers.register(PAYOUTS_CREATE, (clientId, body) => this.create(clientId, body as CreatePayoutDto));
  }

  async create(clientId: string, input: CreatePayoutDto): Promise<unknown> {
    const resumed = this.run.recoveryPoint !== null;
    const { payout_id: payoutId } = await this.run.phase('payout_created', () => this.holdFunds(clientId, input));
    const payout = await this.find(clientId, payoutId);
    const answer = await this.askBank(payout, resumed);
    crashPoint('after_bank_call');
    const headers = { location: `/v1/payouts/${payoutId}` };
    if (answer.outcome === 'unknown') return this.run.pending({ status: 202, headers, body: presentPayout(payout) });
    return this.run.finish(async () => ({ status: 201, headers, body: await this.recordBankAnswer(clientId, payoutId, answer) }));
  }

  /** Phase 1: the payout, pending, and its amount held in transit; declines (402, 404, 422) write nothing. */
  private async holdFunds(clientId: string, input: CreatePayoutDto): Promise<{ payout_id: string }> {
    requireWellFormedAccounts([{ accountId: input.account, amount: -input.amount, param: 'account' }]);
    const now = this.clock.now();
    const payout = this.payouts.create({
      id: newId('po'),
      clientId,
      accountId: input.account,
      amount: input.amount,
      currency: input.currency,
      bankAccount: input.destination.bank_account,
      status: 'pending',
      failureCode: null,
      bankReference: null,
      description: input.description ?? null,
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      createdAt: now,
      updatedAt: now,
    });
    const inTransit = await this.accounts.inTransit(clientId, input.currency);
    await this.payouts.createQueryBuilder().insert().values(payout).updateEntity(false).execute();
    await this.ledger.post({
      clientId,
      postingId: payout.id,
      postingType: 'payout',
      currency: input.currency,
      createdAt: now,
      legs: [
        { accountId: input.account, amount: -input.amount, param: 'account' },
        { accountId: inTransit, amount: input.amount, inTransit: true },
      ],
    });
    return { payout_id: payout.id };
  }

  /**
   * Phase 2. The bank's key is the payout's id: every attempt, in every process, asks for the same
   * transfer, so the bank pays at most once. A resume first asks what happened to the reference
   * (one read); only when the bank has no such transfer does it send, with the same key.
   */
  private async askBank(payout: PayoutEntity, resumed: boolean): Promise<BankOutcome> {
    if (resumed) {
      const found = await this.bank.find(payout.id, { amount: payout.amount, currency: payout.currency });
      if (found.outcome !== 'none') return found;
    }
    return this.bank.send({
      idempotencyKey: `payout:${payout.id}`,
      reference: payout.id,
      amount: payout.amount,
      currency: payout.currency,
      bankAccount: payout.bankAccount,
    });
  }

  /**
   * Phase 3, in one transaction (the caller's, which also stores the key's response): the bank's
   * definite answer. Paid: settled from in-transit to the external account. Declined: `failed` with
   * the bank's code and the hold returned to the account. A payout already final is left as it is.
   */
  async recordBankAnswer(clientId: string, payoutId: string, answer: BankAnswer): Promise<PayoutView> {
    return this.unitOfWork.run(async () => {
      let query = this.payouts.createQueryBuilder('payout').where({ id: payoutId, clientId });
      if (this.unitOfWork.locksRows) query = query.setLock('pessimistic_write');
      const payout = await query.getOne();
      if (!payout) throw new PayoutNotFoundError(payoutId);
      if (payout.status !== 'pending') return presentPayout(payout);
      const now = this.clock.now();
      const inTransit = await this.accounts.inTransit(clientId, payout.currency);
      const paid = answer.outcome === 'paid';
      const counterpart = paid
        ? { accountId: await this.accounts.external(clientId, payout.currency), amount: payout.amount, external: true }
        : { accountId: payout.accountId, amount: payout.amount };
      Object.assign(payout, {
        status: paid ? 'paid' : 'failed',
        failureCode: paid ? null : answer.failureCode,
        bankReference: answer.bankReference,
        updatedAt: now,
      });
      await this.payouts
        .createQueryBuilder()
        .update()
        .set({ status: payout.status, failureCode: payout.failureCode, bankReference: payout.bankReference, updatedAt: now })
        .where({ id: payout.id, status: 'pending' })
        .updateEntity(false)
        .execute();
      const view = presentPayout(payout);
      // Told in the transaction that settles or returns the money: announced if and only if it committed.
      await this.events.record(clientId, paid ? 'payout.paid' : 'payout.failed', view);
      await this.ledger.post({
        clientId,
        postingId: payout.id,
        postingType: paid ? 'payout_settle' : 'payout_return',
        currency: payout.currency,
        createdAt: now,
        legs: [{ accountId: inTransit, amount: -payout.amount, inTransit: true }, counterpart],
      });
      return view;
    });
  }

  async retrieve(clientId: string, payoutId: string): Promise<PayoutView> {
    return presentPayout(await this.find(clientId, payoutId));
  }

  list(clientId: string, page: { limit: number; startingAfter?: string }, accountId?: string) {
    if (accountId !== undefined && !isWellFormedId(accountId)) return Promise.resolve({ object: 'list' as const, data: [], has_more: false });
    return paginate(this.payouts, accountId ? { clientId, accountId } : { clientId }, page, presentPayout);
  }

  private async find(clientId: string, payoutId: string): Promise<PayoutEntity> {
    if (!isWellFormedId(payoutId)) throw new PayoutNotFoundError(payoutId);
    const payout = await this.payouts.findOne({ where: { id: payoutId, clientId } });
    if (!payout) throw new PayoutNotFoundError(payoutId);
    return payout;
  }

  private get payouts() {
    return this.txHost.tx.getRepository(PayoutEntity);
  }
}
