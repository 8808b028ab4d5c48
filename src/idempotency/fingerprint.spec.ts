import { canonicalJson, requestFingerprint } from './fingerprint';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });

  it('drops undefined members as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });
});

describe('requestFingerprint', () => {
  const body = { amount: 100, currency: 'usd', metadata: { a: '1', b: '2' } };

  it('is the same whatever the field order', () => {
    const reordered = { metadata: { b: '2', a: '1' }, currency: 'usd', amount: 100 };
    expect(requestFingerprint('POST', '/v1/transfers', reordered)).toBe(requestFingerprint('POST', '/v1/transfers', body));
  });

  it('changes with the body, the path or the method', () => {
    const base = requestFingerprint('POST', '/v1/transfers', body);
    expect(requestFingerprint('POST', '/v1/transfers', { ...body, amount: 101 })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/other', body)).not.toBe(base);
    expect(requestFingerprint('PATCH', '/v1/transfers', body)).not.toBe(base);
  });

  it('tells a number from the string of its digits', () => {
    expect(requestFingerprint('POST', '/p', { amount: 100 })).not.toBe(requestFingerprint('POST', '/p', { amount: '100' }));
  });
});
