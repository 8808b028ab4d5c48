import { DomainError } from '../common/domain-error';
import { isWellFormedId } from '../common/ids';

/**
 * The source balance is below the amount. Every error here is a decline the handler reached
 * deterministically: stored and replayed under the request's key.
 */
export class InsufficientFundsError extends DomainError {
  readonly code = 'insufficient_funds';
  readonly status = 402;
  readonly stored = true;
  constructor(readonly accountId: string) {
    super(`Account ${accountId} has insufficient funds for this amount.`);
  }
}

export class AccountNotFoundError extends DomainError {
  readonly code = 'account_not_found';
  readonly status = 404;
  readonly stored = true;
  constructor(accountId: string, readonly param?: string) {
    super(isWellFormedId(accountId) ? `No such account: ${accountId}.` : 'No such account.');
  }
}

export class TransferNotFoundError extends DomainError {
  readonly code = 'transfer_not_found';
  readonly status = 404;
  readonly stored = true;
  constructor(transferId: string) {
    super(isWellFormedId(transferId) ? `No such transfer: ${transferId}.` : 'No such transfer.');
  }
}

export class CurrencyMismatchError extends DomainError {
  readonly code = 'currency_mismatch';
  readonly status = 422;
  readonly stored = true;
  constructor(accountId: string, accountCurrency: string, requested: string) {
    super(`Account ${accountId} holds ${accountCurrency}; the amount is in ${requested}.`);
  }
}

export class SameAccountError extends DomainError {
  readonly code = 'same_account';
  readonly status = 422;
  readonly stored = true;
  readonly param = 'to_account';
  constructor() {
    super('from_account and to_account must be different accounts.');
  }
}

export class AmountExceedsRefundableError extends DomainError {
  readonly code = 'amount_exceeds_refundable';
  readonly status = 422;
  readonly stored = true;
  readonly param = 'amount';
  constructor(refundable: number) {
    super(`At most ${refundable} can still be reversed on this transfer.`);
  }
}

/** A balance would pass 2^53−1 minor units, beyond what JSON clients can read exactly. */
export class BalanceLimitExceededError extends DomainError {
  readonly code = 'balance_limit_exceeded';
  readonly status = 422;
  readonly stored = true;
  constructor(accountId: string | undefined, message?: string) {
    super(message ?? `Account ${accountId} cannot hold more than ${Number.MAX_SAFE_INTEGER} minor units.`);
  }

  /** The sum of all the client's balances in a currency would pass what the ledger holds (2^63−1). */
  static clientTotal(currency: string): BalanceLimitExceededError {
    return new BalanceLimitExceededError(undefined, `The total of your balances in ${currency} cannot grow further.`);
  }
}
