import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookEvent } from './types';

/** A webhook whose signature does not hold: refuse it (answer 400), do not act on it. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** Five minutes, as the payment APIs people know use: enough for clock skew, short for replays. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Checks a webhook's `Payments-Signature` header (`t=<unix>,v1=<hex>`) against the raw request body
 * and the endpoint's signing secret, and returns the parsed event.
 *
 * - `body` must be the bytes as received, before any JSON parsing (re-serialized JSON differs).
 * - The HMAC is compared in constant time; any `v1` entry may match (several during a rotation).
 * - A timestamp further than `toleranceSeconds` from now (either way) is refused: a captured
 *   request cannot be replayed later. Receivers still drop repeats by `event.id`.
 *
 * Throws `WebhookSignatureError` when anything does not hold.
 */
export function verifyWebhookSignature(
  body: string | Buffer,
  header: string | string[] | undefined | null,
  secret: string,
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): WebhookEvent {
  if (typeof header !== 'string' || header === '') throw new WebhookSignatureError('no Payments-Signature header');
  if (!secret) throw new WebhookSignatureError('no signing secret given');
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === 't' && /^\d{1,12}$/.test(value ?? '')) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')) signatures.push(value);
  }
  if (timestamp === undefined) throw new WebhookSignatureError('the Payments-Signature header has no timestamp (t=)');
  if (!signatures.length) throw new WebhookSignatureError('the Payments-Signature header has no v1 signature');
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new WebhookSignatureError(`the signature's timestamp is more than ${toleranceSeconds} s from now`);
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = createHmac('sha256', secret).update(`${timestamp}.${text}`).digest();
  if (!signatures.some((candidate) => timingSafeEqual(Buffer.from(candidate, 'hex'), expected))) {
    throw new WebhookSignatureError('no signature matches the body and secret');
  }
  try {
    return JSON.parse(text) as WebhookEvent;
  } catch {
    throw new WebhookSignatureError('the signed body is not JSON');
  }
}
