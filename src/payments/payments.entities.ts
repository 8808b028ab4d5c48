import { AccountEntity } from './account.entity';
import { DepositEntity } from './deposit.entity';
import { LedgerEntryEntity } from './ledger-entry.entity';
import { ReversalEntity } from './reversal.entity';
import { TransferEntity } from './transfer.entity';

export const PAYMENTS_ENTITIES = [AccountEntity, LedgerEntryEntity, TransferEntity, DepositEntity, ReversalEntity];
