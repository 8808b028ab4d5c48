import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PaymentsApiError, PaymentsClient, verifyWebhookSignature, WebhookSignatureError } from '../src/client';
import type { WebhookEvent } from '../src/client';

const say = (line = '') => console.log(line);
const WAIT_MS = 30_000;

/**
 * `npm run demo -- --webhooks`: a small receiver on loopback, registered as a webhook endpoint;
 * money moves and each event arrives signed. The receiver answers 503 to its first request, so the
 * retry (same event id) shows too, and it drops repeats by event id as a real receiver should.
 */
export async function runWebhooksDemo(server: { url: string; apiKey: string }): Promise<boolean> {
  const payments = new PaymentsClient({ apiKey: server.apiKey, baseUrl: server.url });
  const seen = new Set<string>();
  let secret = '';
  let requests = 0;
  const receiver = await listen((body, signature) => {
    requests++;
    if (requests === 1) {
      say(`   [receiver] request 1: answering 503 (pretending to be busy): it will be retried`);
      return 503;
    }
    let event: WebhookEvent;
    try {
      event = verifyWebhookSignature(body, signature, secret, 300);
    } catch (error) {
      say(`   [receiver] refused: ${(error as WebhookSignatureError).message}`);
      return 400;
    }
    if (seen.has(event.id)) {
      say(`   [receiver] ${event.id} again (a repeat): already handled, answering 200`);
      return 200;
    }
    seen.add(event.id);
    const object = event.data.object as Record<string, unknown>;
    say(
      `   [receiver] ${event.id} ${event.type.padEnd(17)} ${object.id} amount ${object.amount}${object.amount_reversed ? `, reversed ${object.amount_reversed}` : ''} (signature ok)`,
    );
    return 200;
  });
  try {
    say('Webhooks demo');
    say(`  server    ${server.url}`);
    say(`  receiver  ${receiver.url} (verifies Payments-Signature, drops repeats by event id)`);
    say('\n1. Register the receiver as a webhook endpoint');
    let endpoint;
    try {
      endpoint = await payments.webhookEndpoints.create({ url: receiver.url });
    } catch (error) {
      if (error instanceof PaymentsApiError && error.param === 'url') {
        throw new Error(
          `the server refused ${receiver.url} (${error.detail}); start it with WEBHOOK_ALLOW_PRIVATE_URLS=true to deliver to this machine`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    secret = endpoint.secret;
    say(`   ${endpoint.id}, events ${endpoint.enabled_events.join(',')}, signing secret ${secret.slice(0, 10)}… (shown only in this answer)`);

    say('\n2. Move money: a deposit, a transfer, a partial reversal');
    const alice = await payments.accounts.create({ name: 'Alice', currency: 'usd' });
    const bob = await payments.accounts.create({ name: 'Bob', currency: 'usd' });
    await payments.deposits.create(alice.id, { amount: 10_000, currency: 'usd' });
    const transfer = await payments.transfers.create({ from_account: alice.id, to_account: bob.id, amount: 2_500, currency: 'usd' });
    await payments.reversals.create(transfer.id, { amount: 500 });
    say(`   done; the events arrive as the dispatcher sends them:`);

    const deadline = Date.now() + WAIT_MS;
    while (seen.size < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));

    say('\n3. What the API says about the deliveries (GET /v1/webhook-endpoints/:id/attempts)');
    const attempts = await payments.webhookEndpoints.attempts(endpoint.id, { limit: 10 });
    for (const a of [...attempts.data].reverse()) say(`   ${a.event} attempt ${a.attempt}: ${a.status_code ?? a.error} → ${a.outcome}`);
    const ok = seen.size === 3;
    say(
      ok
        ? `\n✓ 3 events received once each, signed (${requests} requests in all)`
        : `\n✗ only ${seen.size} of 3 events arrived within ${WAIT_MS / 1000} s`,
    );
    await payments.webhookEndpoints.del(endpoint.id);
    return ok;
  } finally {
    await receiver.close();
  }
}

async function listen(handle: (body: string, signature: string | undefined) => number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => res.writeHead(handle(body, req.headers['payments-signature'] as string | undefined)).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
