import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LedgerService } from './ledger.service';
import { TransfersController } from './transfers.controller';
import { TransfersService } from './transfers.service';

/** Accounts, deposits, transfers and reversals over a double-entry ledger. Uses idempotency only through `@Idempotent()`. */
@Module({
  controllers: [AccountsController, TransfersController],
  providers: [AccountsService, TransfersService, LedgerService],
  exports: [LedgerService],
})
export class PaymentsModule {}
