import { DestinationNotAllowedError, isPublicAddress, resolveDestination, urlProblem } from './webhook-destination';

describe('webhook destinations', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    'not-an-ip',
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('URL rules: http(s) only, no credentials, no loopback or private literal unless allowed', () => {
    expect(urlProblem('https://example.com/hooks', false)).toBeUndefined();
    expect(urlProblem('gopher://example.com', false)).toMatch(/http or https/);
    expect(urlProblem('https://a:b@example.com', false)).toMatch(/credentials/);
    expect(urlProblem('https://example.com@10.0.0.1/', false)).toMatch(/credentials/);
    expect(urlProblem('http://LOCALHOST:80/', false)).toMatch(/loopback/);
    expect(urlProblem('http://127.0.0.1:3000/', false)).toMatch(/loopback/);
    expect(urlProblem('http://127.0.0.1:3000/', true)).toBeUndefined();
    expect(urlProblem('https://a:b@example.com', true)).toMatch(/credentials/);
  });

  it('a name that resolves to any non-public address is refused; a public one yields the address to connect to', async () => {
    const resolveTo =
      (...addresses: string[]) =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    await expect(resolveDestination('hooks.example', false, resolveTo('93.184.215.14', '10.0.0.5'))).rejects.toMatchObject({ reason: 'private' });
    await expect(resolveDestination('hooks.example', false, resolveTo('93.184.215.14'))).resolves.toEqual({ address: '93.184.215.14', family: 4 });
    await expect(resolveDestination('hooks.example', true, resolveTo('127.0.0.1'))).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(resolveDestination('hooks.example', false, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toMatchObject({
      reason: 'unresolved',
    });
    await expect(resolveDestination('::1', false, resolveTo())).rejects.toBeInstanceOf(DestinationNotAllowedError);
  });
});
