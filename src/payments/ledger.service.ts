import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { isWellFormedId, newId } from '../common/ids';
import { MAX_MINOR_UNITS } from '../common/money';
import { EntitySql } from '../database/entity-sql';
import { UnitOfWork } from '../database/unit-of-work';
import { AccountEntity } from './account.entity';
import { LedgerEntryEntity } from './ledger-entry.entity';
import { AccountNotFoundError, BalanceLimitExceededError, CurrencyMismatchError, InsufficientFundsError } from './payments.errors';

/** One leg of a posting; `param` names the request field the account came from, for errors. */
export interface PostingLeg {
  accountId: string;
  amount: number;
  param?: string;
  /** The leg is on the client's external account; every other leg must be a customer account. */
  external?: boolean;
}

export interface Posting {
  clientId: string;
  postingId: string;
  postingType: LedgerEntryEntity['postingType'];
  currency: string;
  legs: PostingLeg[];
  createdAt: Date;
}

/**
 * The double-entry core. Every posting's legs sum to zero, and each account's cached balance moves
 * by exactly its legs, in the caller's transaction, so balances and entries always agree.
 */
@Injectable()
export class LedgerService {
  private readonly accounts: EntitySql<AccountEntity>;
  private readonly entries: EntitySql<LedgerEntryEntity>;
  /** The locking read and the balance update, written once (the number of accounts varies: 2 in practice). */
  private readonly lockStatements = new Map<number, string>();
  private readonly balanceStatements = new Map<number, string>();

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    dataSource: DataSource,
  ) {
    this.accounts = new EntitySql(dataSource, AccountEntity);
    this.entries = new EntitySql(dataSource, LedgerEntryEntity);
  }

  /**
   * Locks the posting's accounts, checks them, and writes entries and balances. Must run inside a
   * transaction. Declines (unknown account, wrong currency, insufficient funds) are raised before
   * anything is written.
   */
  async post(posting: Posting): Promise<Map<string, AccountEntity>> {
    if (posting.legs.reduce((sum, leg) => sum + leg.amount, 0) !== 0) {
      throw new Error('unbalanced posting'); // a programming error, never input-driven
    }
    const accounts = await this.lockAccounts(posting.clientId, posting.legs.map((leg) => leg.accountId));
    for (const leg of posting.legs) {
      const account = accounts.get(leg.accountId);
      if (!account || (account.kind === 'external') !== Boolean(leg.external)) {
        throw new AccountNotFoundError(leg.accountId, leg.param);
      }
      if (account.currency !== posting.currency) throw new CurrencyMismatchError(account.id, account.currency, posting.currency);
    }
    for (const leg of posting.legs) {
      const account = accounts.get(leg.accountId)!;
      const balance = account.balance + leg.amount;
      if (balance < 0 && !account.allowNegative) throw new InsufficientFundsError(account.id);
      if (Math.abs(balance) > MAX_MINOR_UNITS) throw new BalanceLimitExceededError(account.id);
      account.balance = balance;
    }
    await this.writeEntries(posting);
    await this.writeBalances(posting.legs.map((leg) => accounts.get(leg.accountId)!));
    return accounts;
  }

  /**
   * Row locks in ascending id order: every transaction that locks two accounts takes them in the
   * same order, so two opposite transfers wait for each other instead of deadlocking. (With an
   * IN list on a unique index InnoDB visits, and locks, the rows in index order.) SQLite has no
   * row locks; its transactions are serialized, which is stronger.
   */
  private async lockAccounts(clientId: string, ids: string[]): Promise<Map<string, AccountEntity>> {
    const unique = [...new Set(ids)].filter(isWellFormedId).sort();
    if (!unique.length) return new Map();
    const locks = this.unitOfWork.locksRows;
    const key = unique.length * (locks ? -1 : 1);
    let sql = this.lockStatements.get(key);
    if (!sql) {
      const a = this.accounts;
      sql =
        `SELECT ${a.columns()} FROM ${a.table} ` +
        `WHERE ${a.column('id')} IN (${unique.map(() => '?').join(', ')}) AND ${a.column('clientId')} = ? ` +
        `ORDER BY ${a.column('id')} ASC${locks ? ' FOR UPDATE' : ''}`;
      this.lockStatements.set(key, sql);
    }
    const rows: Array<Record<string, unknown>> = await this.txHost.tx.query(sql, [...unique, clientId]);
    return new Map(rows.map((row) => {
      const account = this.accounts.fromRow(row);
      return [account.id, account];
    }));
  }

  private async writeEntries(posting: Posting): Promise<void> {
    const { sql, parameters } = this.entries.insert(
      posting.legs.map((leg) => ({
        id: newId('le'),
        clientId: posting.clientId,
        accountId: leg.accountId,
        postingId: posting.postingId,
        postingType: posting.postingType,
        amount: leg.amount,
        currency: posting.currency,
        createdAt: posting.createdAt,
      })),
    );
    await this.txHost.tx.query(sql, parameters);
  }

  /** One statement for all the posting's accounts: the new balances were computed under the row locks. */
  private async writeBalances(accounts: AccountEntity[]): Promise<void> {
    let sql = this.balanceStatements.get(accounts.length);
    if (!sql) {
      const a = this.accounts;
      sql =
        `UPDATE ${a.table} SET ${a.column('balance')} = CASE ${a.column('id')} ${accounts.map(() => 'WHEN ? THEN ?').join(' ')} END ` +
        `WHERE ${a.column('id')} IN (${accounts.map(() => '?').join(', ')})`;
      this.balanceStatements.set(accounts.length, sql);
    }
    const parameters: unknown[] = [];
    for (const account of accounts) parameters.push(account.id, this.accounts.toDb('balance', account.balance));
    for (const account of accounts) parameters.push(account.id);
    await this.txHost.tx.query(sql, parameters);
  }
}
