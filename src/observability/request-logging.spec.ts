import { createHash } from 'node:crypto';
import { loggedPath } from './request-logging';

const hash = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

describe('loggedPath', () => {
  it('replaces a key in the path by its short hash, decoded as the route reads it', () => {
    expect(loggedPath('/v1/idempotency-keys/secret-key')).toBe(`/v1/idempotency-keys/#${hash('secret-key')}`);
    expect(loggedPath('/v1/idempotency-keys/%22quoted%22?x=1')).toBe(`/v1/idempotency-keys/#${hash('"quoted"')}`);
  });

  it('logs the route path of an absolute-form target, without its query', () => {
    expect(loggedPath('http://127.0.0.1:3000/v1/transfers?idempotency_key=k')).toBe('/v1/transfers');
    expect(loggedPath('/v1/accounts/acct_1')).toBe('/v1/accounts/acct_1');
  });
});
