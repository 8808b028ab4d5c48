import { InitialSchema1764288000000 } from './migrations/1764288000000-initial-schema';
import { ColumnsHoldWhatValidationAdmits1765000000000 } from './migrations/1765000000000-columns-hold-what-validation-admits';

/** Every migration, in order; listed by class so they load the same from `src/` and `dist/`. */
export const MIGRATIONS = [InitialSchema1764288000000, ColumnsHoldWhatValidationAdmits1765000000000];
