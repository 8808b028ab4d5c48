import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  body: string;
  headers: IncomingMessage['headers'];
  /** The event id from the body. */
  eventId: string;
  /** The status this receiver answered. */
  answered: number;
}

/**
 * A webhook receiver on loopback for tests: records every POST with its raw body and headers and
 * answers with the next status of `script` (then `fallbackStatus`). Overlapping requests for one
 * delivery (`Payments-Delivery-Id`) are counted: two dispatchers sending the same attempt at once.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Requests that arrived while another request for the same delivery was still open. */
  overlaps = 0;
  private readonly open = new Map<string, number>();
  private server?: Server;

  private constructor(private readonly options: { script?: number[]; fallbackStatus?: number; holdMs?: () => number }) {}

  static async start(options: { port?: number; script?: number[]; fallbackStatus?: number; holdMs?: () => number } = {}): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(options);
    await receiver.listen(options.port ?? 0);
    return receiver;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Distinct event ids received so far. */
  eventIds(): Set<string> {
    return new Set(this.received.map((r) => r.eventId));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
      this.server = undefined;
    });
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      const delivery = String(req.headers['payments-delivery-id'] ?? '');
      if (delivery) {
        if (this.open.get(delivery)) this.overlaps++;
        this.open.set(delivery, (this.open.get(delivery) ?? 0) + 1);
      }
      let released = !delivery;
      const release = () => {
        if (released) return;
        released = true;
        this.open.set(delivery, (this.open.get(delivery) ?? 1) - 1);
      };
      // A sender that dies mid-request (SIGKILL) closes the connection: that request is over too.
      res.on('close', release);
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let eventId = '';
        try {
          eventId = JSON.parse(body).id;
        } catch {
          // recorded with an empty id: the test sees a body that is not an event
        }
        const answered = this.options.script?.shift() ?? this.options.fallbackStatus ?? 200;
        const reply = () => {
          this.received.push({ body, headers: req.headers, eventId, answered });
          release();
          res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
        };
        const hold = this.options.holdMs?.() ?? 0;
        if (hold > 0) setTimeout(reply, hold);
        else reply();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (a deadline, not a timing claim). */
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
