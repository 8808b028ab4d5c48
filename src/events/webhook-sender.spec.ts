import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSender } from './webhook-sender';

/** A real receiver on loopback; the sender's resolver is replaced to play the part of DNS. */
describe('WebhookSender', () => {
  let server: Server;
  let port: number;
  const seen: Array<{ host?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ host: req.headers.host, body });
        res.writeHead(req.url === '/slow' ? 200 : 204);
        if (req.url === '/slow') setTimeout(() => res.end(), 5_000).unref();
        else res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => (seen.length = 0));

  it('connects to the address it checked, not to a second resolution of the name', async () => {
    let lookups = 0;
    const sender = new WebhookSender({
      timeoutMs: 2_000,
      allowPrivate: true,
      resolve: async () => (lookups++, [{ address: '127.0.0.1', family: 4 }]),
    });
    // The name does not exist anywhere: only the checked address can have been used.
    const result = await sender.send(`http://receiver.invalid:${port}/hooks`, '{"id":"evt_1"}', {});
    expect(result.statusCode).toBe(204);
    expect(lookups).toBe(1);
    expect(seen).toEqual([{ host: `receiver.invalid:${port}`, body: '{"id":"evt_1"}' }]);
  });

  it('a name that resolves to loopback at delivery time is refused without connecting (DNS rebinding)', async () => {
    const sender = new WebhookSender({ timeoutMs: 2_000, allowPrivate: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const result = await sender.send(`http://rebinding.example:${port}/hooks`, '{}', {});
    expect(result).toMatchObject({ error: 'host resolves to a loopback, private or link-local address' });
    expect(result.statusCode).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('no answer within the timeout is an error, not a delivery', async () => {
    const sender = new WebhookSender({ timeoutMs: 200, allowPrivate: true });
    const result = await sender.send(`http://127.0.0.1:${port}/slow`, '{}', {});
    expect(result).toMatchObject({ error: 'no answer within 200 ms' });
  });

  it('a refused connection says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await new WebhookSender({ timeoutMs: 2_000, allowPrivate: true }).send(`http://127.0.0.1:${freePort}/`, '{}', {});
    expect(result).toMatchObject({ error: 'connection refused' });
  });
});
