import type { BankOutcome, BankPort, BankTransferRequest } from './bank.port';

const FAILURE_CODE = /^[a-z][a-z0-9_]{0,39}$/;
const BANK_REFERENCE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The bank over HTTP (`BANK_URL`), each call bounded by `BANK_TIMEOUT_MS`. Every answer is read
 * defensively: only a well-formed transfer that matches what was asked is a definite outcome;
 * anything else (a timeout, a 5xx, a reset, garbage, a status the bank should never send) is
 * `unknown`, never an exception and never a guess.
 */
export class HttpBankAdapter implements BankPort {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async send(request: BankTransferRequest): Promise<BankOutcome> {
    const answer = await this.call('POST', '/transfers', {
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': request.idempotencyKey },
      body: JSON.stringify({ amount: request.amount, currency: request.currency, bank_account: request.bankAccount, reference: request.reference }),
    });
    if ('reason' in answer) return { outcome: 'unknown', reason: answer.reason };
    if (answer.status !== 200 && answer.status !== 201) return { outcome: 'unknown', reason: `bank answered ${answer.status}` };
    return readTransfer(answer.body, request);
  }

  async find(reference: string, expected: Pick<BankTransferRequest, 'amount' | 'currency'>): Promise<BankOutcome | { outcome: 'none' }> {
    const answer = await this.call('GET', `/transfers?reference=${encodeURIComponent(reference)}`, {});
    if ('reason' in answer) return { outcome: 'unknown', reason: answer.reason };
    const data = (answer.body as { data?: unknown })?.data;
    if (answer.status !== 200 || !Array.isArray(data)) return { outcome: 'unknown', reason: `bank answered ${answer.status} to a lookup` };
    if (data.length === 0) return { outcome: 'none' };
    if (data.length > 1) return { outcome: 'unknown', reason: 'bank holds several transfers for one reference' };
    return readTransfer(data[0], { reference, ...expected });
  }

  private async call(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; body: unknown } | { reason: string }> {
    try {
      const response = await fetch(`${this.baseUrl}${path}`, { method, ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { reason: `bank answered ${response.status} with a body that is not JSON` };
      }
      return { status: response.status, body };
    } catch (error) {
      const name = (error as Error)?.name;
      return { reason: name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'connection failed or was cut' };
    }
  }
}

/** A bank transfer object, if it is one and it is the one we asked for; otherwise `unknown`. */
function readTransfer(value: unknown, asked: Pick<BankTransferRequest, 'reference' | 'amount' | 'currency'>): BankOutcome {
  const transfer = value as Record<string, unknown> | null;
  if (!transfer || typeof transfer !== 'object' || transfer.object !== 'bank_transfer')
    return { outcome: 'unknown', reason: 'bank answer is not a transfer' };
  if (transfer.reference !== asked.reference || transfer.amount !== asked.amount || transfer.currency !== asked.currency) {
    return { outcome: 'unknown', reason: 'bank answer is for another transfer' };
  }
  if (typeof transfer.id !== 'string' || !BANK_REFERENCE.test(transfer.id)) return { outcome: 'unknown', reason: 'bank answer has no usable id' };
  if (transfer.status === 'paid') return { outcome: 'paid', bankReference: transfer.id };
  if (transfer.status === 'declined' && typeof transfer.failure_code === 'string' && FAILURE_CODE.test(transfer.failure_code)) {
    return { outcome: 'declined', failureCode: transfer.failure_code, bankReference: transfer.id };
  }
  return { outcome: 'unknown', reason: 'bank answered a status it does not send' };
}
