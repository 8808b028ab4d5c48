import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../database/database-errors';
import { transactionQuery } from '../idempotency';
import { isWellFormedId, newId } from '../common/ids';
import { DataSource } from 'typeorm';
import { EntitySql } from '../database/entity-sql';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { AccountEntity } from './account.entity';
import { DepositEntity } from './deposit.entity';
import { CreateAccountDto } from './dto/create-account.dto';
import { CreateDepositDto } from './dto/create-deposit.dto';
import { LedgerEntryEntity } from './ledger-entry.entity';
import { LedgerService, requireWellFormedAccounts } from './ledger.service';
import { paginate } from './pagination';
import { AccountNotFoundError } from './payments.errors';
import { presentAccount, presentDeposit, presentLedgerEntry } from './payments.presenters';

@Injectable()
export class AccountsService {
  private readonly accountSql: EntitySql<AccountEntity>;
  private readonly depositSql: EntitySql<DepositEntity>;

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    private readonly events: EventsService,
    dataSource: DataSource,
  ) {
    this.accountSql = new EntitySql(dataSource, AccountEntity);
    this.depositSql = new EntitySql(dataSource, DepositEntity);
  }

  async create(clientId: string, input: CreateAccountDto) {
    const account = this.accounts.create({
      id: newId('acct'),
      clientId,
      name: input.name,
      currency: input.currency,
      balance: 0,
      kind: 'customer',
      externalKey: null,
      allowNegative: false,
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      createdAt: this.clock.now(),
    });
    await this.unitOfWork.run(() => this.accounts.createQueryBuilder().insert().values(account).updateEntity(false).execute());
    return presentAccount(account);
  }

  async retrieve(clientId: string, accountId: string) {
    return presentAccount(await this.findCustomerAccount(clientId, accountId));
  }

  list(clientId: string, page: { limit: number; startingAfter?: string }) {
    return paginate(this.accounts, { clientId, kind: 'customer' }, page, presentAccount);
  }

  /** Money entering from outside: credited to the account, debited from the client's external account. */
  async deposit(clientId: string, accountId: string, input: CreateDepositDto) {
    requireWellFormedAccounts([{ accountId, amount: input.amount }]);
    return this.unitOfWork.run(async () => {
      const external = await this.externalAccount(clientId, input.currency);
      const deposit: Omit<DepositEntity, 'seq'> = {
        id: newId('dep'),
        clientId,
        accountId,
        amount: input.amount,
        currency: input.currency,
        description: input.description ?? null,
        createdAt: this.clock.now(),
      };
      const insert = this.depositSql.insert([deposit]);
      await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
      const presented = presentDeposit(deposit);
      await this.events.record(clientId, 'deposit.created', presented);
      // Last: the client's external account is the hottest row there is (see LedgerService.post).
      await this.ledger.post({
        clientId,
        postingId: deposit.id,
        postingType: 'deposit',
        currency: input.currency,
        createdAt: deposit.createdAt,
        legs: [
          { accountId, amount: input.amount },
          { accountId: external, amount: -input.amount, external: true },
        ],
      });
      return presented;
    });
  }

  async ledgerEntries(clientId: string, accountId: string, page: { limit: number; startingAfter?: string }) {
    await this.findCustomerAccount(clientId, accountId);
    const entries = this.txHost.tx.getRepository(LedgerEntryEntity);
    return paginate(entries, { clientId, accountId }, page, presentLedgerEntry);
  }

  private async findCustomerAccount(clientId: string, accountId: string): Promise<AccountEntity> {
    if (!isWellFormedId(accountId)) throw new AccountNotFoundError(accountId);
    const account = await this.accounts.findOne({ where: { id: accountId, clientId, kind: 'customer' } });
    if (!account) throw new AccountNotFoundError(accountId);
    return account;
  }

  /**
   * The client's external account for a currency, created on first use. Two first deposits racing
   * both try the insert; the unique `external_key` lets one win and the other reads the winner's.
   */
  private async externalAccount(clientId: string, currency: string): Promise<string> {
    const externalKey = `${clientId}:${currency}`;
    const a = this.accountSql;
    const [existing]: Array<{ id: string }> = await this.txHost.tx.query(
      `SELECT ${a.column('id')} AS id FROM ${a.table} WHERE ${a.column('externalKey')} = ?`,
      [externalKey],
    );
    if (existing) return existing.id;
    const id = newId('acct');
    try {
      await this.accounts
        .createQueryBuilder()
        .insert()
        .values({
          id,
          clientId,
          name: `External ${currency.toUpperCase()}`,
          currency,
          balance: 0,
          kind: 'external',
          externalKey,
          allowNegative: true,
          metadata: null,
          createdAt: this.clock.now(),
        })
        .updateEntity(false)
        .execute();
      return id;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.accounts.findOne({ where: { externalKey }, select: { id: true } });
      if (!winner) throw error;
      return winner.id;
    }
  }

  private get accounts() {
    return this.txHost.tx.getRepository(AccountEntity);
  }
}
