import type { AccountEntity } from './account.entity';
import type { DepositEntity } from './deposit.entity';
import type { LedgerEntryEntity } from './ledger-entry.entity';
import type { ReversalEntity } from './reversal.entity';
import type { TransferEntity } from './transfer.entity';

/** The API's JSON shapes (snake_case, prefixed ids, ISO 8601 UTC times, integer minor units). */

function metadataOf(raw: string | null): Record<string, string> {
  return raw ? (JSON.parse(raw) as Record<string, string>) : {};
}

export function presentAccount(account: AccountEntity) {
  return {
    id: account.id,
    object: 'account' as const,
    name: account.name,
    currency: account.currency,
    balance: account.balance,
    metadata: metadataOf(account.metadata),
    created_at: account.createdAt.toISOString(),
  };
}

export function presentTransfer(transfer: Omit<TransferEntity, 'seq'>) {
  return {
    id: transfer.id,
    object: 'transfer' as const,
    amount: transfer.amount,
    currency: transfer.currency,
    from_account: transfer.fromAccount,
    to_account: transfer.toAccount,
    amount_reversed: transfer.amountReversed,
    status: transfer.status,
    description: transfer.description,
    metadata: metadataOf(transfer.metadata),
    created_at: transfer.createdAt.toISOString(),
  };
}

export function presentDeposit(deposit: Omit<DepositEntity, 'seq'>) {
  return {
    id: deposit.id,
    object: 'deposit' as const,
    account: deposit.accountId,
    amount: deposit.amount,
    currency: deposit.currency,
    description: deposit.description,
    created_at: deposit.createdAt.toISOString(),
  };
}

export function presentReversal(reversal: Omit<ReversalEntity, 'seq'>) {
  return {
    id: reversal.id,
    object: 'reversal' as const,
    transfer: reversal.transferId,
    amount: reversal.amount,
    currency: reversal.currency,
    created_at: reversal.createdAt.toISOString(),
  };
}

export function presentLedgerEntry(entry: LedgerEntryEntity) {
  return {
    id: entry.id,
    object: 'ledger_entry' as const,
    account: entry.accountId,
    amount: entry.amount,
    currency: entry.currency,
    posting: entry.postingId,
    posting_type: entry.postingType,
    created_at: entry.createdAt.toISOString(),
  };
}
