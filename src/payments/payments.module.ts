import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { LedgerService } from './ledger.service';
import { PAYMENTS_ENTITIES } from './payments.entities';
import { TransfersController } from './transfers.controller';
import { TransfersService } from './transfers.service';

/** Accounts, deposits, transfers and reversals over a double-entry ledger. Uses idempotency only through `@Idempotent()`. */
@Module({
  imports: [TypeOrmModule.forFeature(PAYMENTS_ENTITIES), EventsModule],
  controllers: [AccountsController, TransfersController],
  providers: [AccountsService, TransfersService, LedgerService],
})
export class PaymentsModule {}
