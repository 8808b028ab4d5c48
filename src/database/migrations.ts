import { InitialSchema1764288000000 } from './migrations/1764288000000-initial-schema';
import { ColumnsHoldWhatValidationAdmits1765000000000 } from './migrations/1765000000000-columns-hold-what-validation-admits';
import { ApiKeys1765100000000 } from './migrations/1765100000000-api-keys';
import { EventsAndWebhooks1765300000000 } from './migrations/1765300000000-events-and-webhooks';

/** Every migration, in order; listed by class so they load the same from `src/` and `dist/`. */
export const MIGRATIONS = [
  InitialSchema1764288000000,
  ColumnsHoldWhatValidationAdmits1765000000000,
  ApiKeys1765100000000,
  EventsAndWebhooks1765300000000,
];
