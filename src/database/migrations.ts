import { InitialSchema1764288000000 } from './migrations/1764288000000-initial-schema';
import { ColumnsHoldWhatValidationAdmits1765000000000 } from './migrations/1765000000000-columns-hold-what-validation-admits';
import { ApiKeys1765100000000 } from './migrations/1765100000000-api-keys';
import { PayoutsAndRecoveryPoints1765200000000 } from './migrations/1765200000000-payouts-and-recovery-points';
import { EventsAndWebhooks1765300000000 } from './migrations/1765300000000-events-and-webhooks';
import { EventDataHoldsTheLargestObject1765400000000 } from './migrations/1765400000000-event-data-holds-the-largest-object';
import { IdempotencyJobLeases1765500000000 } from './migrations/1765500000000-idempotency-job-leases';
import { PayoutTextHoldsWhatValidationAdmits1765600000000 } from './migrations/1765600000000-payout-text-holds-what-validation-admits';

/** Every migration, in order; listed by class so they load the same from `src/` and `dist/`. */
export const MIGRATIONS = [
  InitialSchema1764288000000,
  ColumnsHoldWhatValidationAdmits1765000000000,
  ApiKeys1765100000000,
  PayoutsAndRecoveryPoints1765200000000,
  EventsAndWebhooks1765300000000,
  EventDataHoldsTheLargestObject1765400000000,
  IdempotencyJobLeases1765500000000,
  PayoutTextHoldsWhatValidationAdmits1765600000000,
];
