import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { EventsModule } from '../events/events.module';
import { PaymentsModule } from '../payments/payments.module';
import { BankPort } from './bank.port';
import { HttpBankAdapter } from './http-bank.adapter';
import { PayoutAccounts } from './payout-accounts';
import { PayoutEntity } from './payout.entity';
import { PayoutsController } from './payouts.controller';
import { PayoutsMetrics } from './payouts-metrics';
import { PayoutsService } from './payouts.service';

/** Payouts through the outside bank (`BankPort`), exactly once across the call: `@Idempotent({ phases: true })`. */
@Module({
  imports: [PaymentsModule, EventsModule, TypeOrmModule.forFeature([PayoutEntity])],
  controllers: [PayoutsController],
  providers: [
    PayoutsService,
    PayoutAccounts,
    PayoutsMetrics,
    {
      provide: BankPort,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const app = config.getOrThrow<AppConfig>('app');
        return new HttpBankAdapter(app.bank.url, app.bank.timeoutMs);
      },
    },
  ],
})
export class PayoutsModule {}
