import { DomainError } from '../common/domain-error';
import { isWellFormedId } from '../common/ids';

export class PayoutNotFoundError extends DomainError {
  readonly code = 'payout_not_found';
  readonly status = 404;
  readonly stored = true;
  constructor(payoutId: string) {
    super(isWellFormedId(payoutId) ? `No such payout: ${payoutId}.` : 'No such payout.');
  }
}
