import { InitialSchema1764288000000 } from './migrations/1764288000000-initial-schema';
import { ApiKeys1765100000000 } from './migrations/1765100000000-api-keys';
import { PayoutsAndRecoveryPoints1765200000000 } from './migrations/1765200000000-payouts-and-recovery-points';

/** Every migration, in order; listed by class so they load the same from `src/` and `dist/`. */
export const MIGRATIONS = [InitialSchema1764288000000, ApiKeys1765100000000, PayoutsAndRecoveryPoints1765200000000];
