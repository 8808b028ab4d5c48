/** A request to pay money out to a bank account. */
export interface BankTransferRequest {
  /** The bank's own idempotency key: derived from the payout, the same on every retry and in every process. */
  idempotencyKey: string;
  /** Our reference for the transfer (the payout id), by which the bank can be asked what happened. */
  reference: string;
  amount: number;
  currency: string;
  bankAccount: string;
}

/**
 * What the bank said. `unknown` (timeout, 5xx, reset, an answer that makes no sense) means the
 * money may or may not have left: never guessed, asked again until the bank says.
 */
export type BankOutcome =
  | { outcome: 'paid'; bankReference: string }
  | { outcome: 'declined'; failureCode: string; bankReference: string }
  | { outcome: 'unknown'; reason: string };

/** The outside bank payouts go through. The interface and its injection token share a name. */
export interface BankPort {
  /** Asks the bank to pay; a repeat with the same idempotency key pays nothing again. */
  send(request: BankTransferRequest): Promise<BankOutcome>;
  /** What the bank did with `reference`: its outcome, or `none` when it has no such transfer. */
  find(reference: string, expected: Pick<BankTransferRequest, 'amount' | 'currency'>): Promise<BankOutcome | { outcome: 'none' }>;
}

export const BankPort = Symbol('BankPort');
