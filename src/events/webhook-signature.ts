import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Payments-Signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is signed with the body,
 * so a captured request cannot be replayed later with a fresh time (receivers reject stale ones).
 */
export function signatureHeader(secret: string, body: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}
