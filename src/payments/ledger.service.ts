import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DataSource } from 'typeorm';
import { isWellFormedId, newId } from '../common/ids';
import { MAX_MINOR_UNITS } from '../common/money';
import { EntitySql, placeholders, StatementsBySize } from '../database/entity-sql';
import { transactionQuery } from '../idempotency';
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
  /** The leg is on the client's payouts-in-transit account (instead of a customer account). */
  inTransit?: boolean;
}

export interface Posting {
  clientId: string;
  postingId: string;
  postingType: LedgerEntryEntity['postingType'];
  currency: string;
  legs: PostingLeg[];
  createdAt: Date;
}

/** An account as a posting sees it, under its row lock; the balance exact at any size. */
interface LockedAccount {
  id: string;
  kind: AccountEntity['kind'];
  currency: string;
  allowNegative: boolean;
  balance: bigint;
}

/**
 * Declines a leg whose account id cannot exist (malformed: too long, other characters) as an
 * unknown account, before anything is written: the posting's callers write their own rows first,
 * and an id no account can have must never reach a column as a value.
 */
export function requireWellFormedAccounts(legs: PostingLeg[]): void {
  for (const leg of legs) if (!isWellFormedId(leg.accountId)) throw new AccountNotFoundError(leg.accountId, leg.param);
}

const MAX_BALANCE = BigInt(MAX_MINOR_UNITS);
/** The range of the BIGINT balance column. */
const MAX_BIGINT = 2n ** 63n - 1n;
const MIN_BIGINT = -(2n ** 63n);

/**
 * The double-entry core. Every posting's legs sum to zero, and each account's cached balance moves
 * by exactly its legs, in the caller's transaction, so balances and entries always agree.
 */
@Injectable()
export class LedgerService {
  private readonly accountSql: EntitySql<AccountEntity>;
  private readonly entrySql: EntitySql<LedgerEntryEntity>;
  private readonly dialectIsMysql: boolean;
  /** The locking read for a number of account ids. */
  private readonly lockSql = new StatementsBySize((count) => {
    const a = this.accountSql;
    return (
      `SELECT ${a.column('id')} AS id, ${a.column('kind')} AS kind, ${a.column('currency')} AS currency, ` +
      `${a.column('allowNegative')} AS allow_negative, CAST(${a.column('balance')} AS ${this.dialectIsMysql ? 'CHAR' : 'TEXT'}) AS balance ` +
      `FROM ${a.table} WHERE ${a.column('id')} IN (${placeholders(count)}) AND ${a.column('clientId')} = ? ` +
      `ORDER BY ${a.column('id')} ASC${this.unitOfWork.locksRows ? ' FOR UPDATE' : ''}`
    );
  });
  /** `UPDATE accounts SET balance = CASE id WHEN ? THEN CAST(? AS SIGNED) … END WHERE id IN (…)` for a number of accounts. */
  private readonly balanceSql = new StatementsBySize((count) => {
    const a = this.accountSql;
    const cast = `CAST(? AS ${this.dialectIsMysql ? 'SIGNED' : 'INTEGER'})`;
    const cases = Array.from({ length: count }, () => `WHEN ? THEN ${cast}`).join(' ');
    return `UPDATE ${a.table} SET ${a.column('balance')} = CASE ${a.column('id')} ${cases} END WHERE ${a.column('id')} IN (${placeholders(count)})`;
  });

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    dataSource: DataSource,
  ) {
    this.accountSql = new EntitySql(dataSource, AccountEntity);
    this.entrySql = new EntitySql(dataSource, LedgerEntryEntity);
    this.dialectIsMysql = dataSource.options.type === 'mysql';
  }

  /**
   * Writes the posting's entries, then locks its accounts, checks them and writes their balances.
   * Must run inside a transaction, and last in it where it can: account rows are the contended
   * ones (a customer's account paid from many places at once, the client's external account on
   * every deposit), and a row lock held from here to COMMIT is what a concurrent writer waits on,
   * or, on a Galera cluster, what a write replicated from another node aborts. So the callers write
   * their own rows (transfer, event…) first, and the new entries (rows nobody else touches) go in
   * before the lock. A decline (unknown account, wrong currency, insufficient funds) throws, and
   * the caller's transaction rolls everything back, these entries included.
   */
  async post(posting: Posting): Promise<void> {
    if (posting.legs.reduce((sum, leg) => sum + leg.amount, 0) !== 0) {
      throw new Error('unbalanced posting'); // a programming error, never input-driven
    }
    requireWellFormedAccounts(posting.legs);
    await this.writeEntries(posting);
    const accounts = await this.lockAccounts(posting.clientId, posting.legs.map((leg) => leg.accountId));
    for (const leg of posting.legs) {
      const account = accounts.get(leg.accountId);
      const kind = leg.external ? 'external' : leg.inTransit ? 'in_transit' : 'customer';
      if (!account || account.kind !== kind) {
        throw new AccountNotFoundError(leg.accountId, leg.param);
      }
      if (account.currency !== posting.currency) throw new CurrencyMismatchError(account.id, account.currency, posting.currency);
    }
    for (const leg of posting.legs) {
      const account = accounts.get(leg.accountId)!;
      const balance = account.balance + BigInt(leg.amount);
      if (account.kind === 'external') {
        // The external account is the client's side of the world, not a customer's: no customer
        // limit applies to it, and no answer names it. Its balance is the negated sum of every
        // deposit, kept exactly (BigInt), so only BIGINT's range bounds it: past that, the client's
        // total in the currency is what cannot grow.
        if (balance < MIN_BIGINT || balance > MAX_BIGINT) throw BalanceLimitExceededError.clientTotal(posting.currency);
      } else {
        if (balance < 0n && !account.allowNegative) throw new InsufficientFundsError(account.id);
        if (balance > MAX_BALANCE || balance < -MAX_BALANCE) throw new BalanceLimitExceededError(account.id);
      }
      account.balance = balance;
    }
    await this.writeBalances(posting.legs.map((leg) => accounts.get(leg.accountId)!));
  }

  /**
   * Row locks in ascending id order: every transaction that locks two accounts takes them in the
   * same order, so two opposite transfers wait for each other instead of deadlocking. (With an
   * IN list on a unique index InnoDB visits, and locks, the rows in index order.) SQLite has no
   * row locks; its transactions are serialized, which is stronger.
   * Balances are read as text: the external account's may lie beyond 2^53.
   */
  private async lockAccounts(clientId: string, ids: string[]): Promise<Map<string, LockedAccount>> {
    const unique = [...new Set(ids)].sort(); // well formed: checked by post()
    if (!unique.length) return new Map();
    const rows = await transactionQuery<Array<Record<string, unknown>>>(this.txHost.tx, this.lockSql.get(unique.length), [...unique, clientId]);
    return new Map(
      rows.map((row) => [
        String(row.id),
        {
          id: String(row.id),
          kind: row.kind as LockedAccount['kind'],
          currency: String(row.currency),
          allowNegative: Boolean(Number(row.allow_negative)),
          balance: BigInt(String(row.balance)),
        },
      ]),
    );
  }

  private async writeEntries(posting: Posting): Promise<void> {
    const insert = this.entrySql.insert(
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
    await transactionQuery(this.txHost.tx, insert.sql, insert.parameters);
  }

  /**
   * One statement for all the posting's accounts: the new balances were computed under the row locks.
   * Each is bound as its decimal text (exact beyond 2^53) and cast back to an integer in SQL.
   */
  private async writeBalances(accounts: LockedAccount[]): Promise<void> {
    const parameters: unknown[] = [];
    for (const account of accounts) parameters.push(account.id, account.balance.toString());
    for (const account of accounts) parameters.push(account.id);
    await transactionQuery(this.txHost.tx, this.balanceSql.get(accounts.length), parameters);
  }
}
