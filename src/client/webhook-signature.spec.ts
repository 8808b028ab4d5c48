import { createHmac } from 'node:crypto';
import { verifyWebhookSignature, WebhookSignatureError } from './webhook-signature';

describe('verifyWebhookSignature', () => {
  const secret = 'whsec_test';
  const body = JSON.stringify({
    id: 'evt_1',
    object: 'event',
    type: 'transfer.created',
    data: { object: { id: 'tr_1', object: 'transfer' } },
    created_at: '2026-01-01T00:00:00.000Z',
  });
  const now = 1_800_000_000;
  const sign = (t: number, payload = body, key = secret) => `t=${t},v1=${createHmac('sha256', key).update(`${t}.${payload}`).digest('hex')}`;

  it('returns the event when the signature matches and the timestamp is fresh', () => {
    expect(verifyWebhookSignature(body, sign(now), secret, 300, now).id).toBe('evt_1');
    expect(verifyWebhookSignature(Buffer.from(body), sign(now - 300), secret, 300, now).id).toBe('evt_1');
  });

  it('accepts any of several v1 signatures', () => {
    const header = `${sign(now, body, 'whsec_old')},${sign(now).split(',')[1]}`;
    expect(verifyWebhookSignature(body, header, secret, 300, now).id).toBe('evt_1');
  });

  it.each([
    ['a changed body', () => verifyWebhookSignature(body.replace('tr_1', 'tr_2'), sign(now), secret, 300, now)],
    ['another secret', () => verifyWebhookSignature(body, sign(now, body, 'whsec_other'), secret, 300, now)],
    ['a stale timestamp', () => verifyWebhookSignature(body, sign(now - 301), secret, 300, now)],
    ['a timestamp from the future', () => verifyWebhookSignature(body, sign(now + 301), secret, 300, now)],
    [
      'a timestamp swapped after signing',
      () => verifyWebhookSignature(body, sign(now - 1000).replace(`t=${now - 1000}`, `t=${now}`), secret, 300, now),
    ],
    ['no header', () => verifyWebhookSignature(body, undefined, secret, 300, now)],
    ['a header without v1', () => verifyWebhookSignature(body, `t=${now}`, secret, 300, now)],
    ['a truncated signature', () => verifyWebhookSignature(body, sign(now).slice(0, -2), secret, 300, now)],
    ['an empty secret', () => verifyWebhookSignature(body, sign(now), '', 300, now)],
  ])('refuses %s', (_label, verify) => {
    expect(verify).toThrow(WebhookSignatureError);
  });
});
