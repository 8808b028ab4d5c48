import { Agent, createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to one request. `copies` (default 1) sends that many identical requests to
 * the server at once (concurrent duplicates); the client gets the answer to the first copy.
 */
export type Fault =
  /** Forward and answer normally. */
  | { kind: 'pass'; copies?: number }
  /** Reset the client's connection (TCP RST) before anything is forwarded: the server never sees it. */
  | { kind: 'reset' }
  /** Forward, wait for the server's full answer, then close the client's connection instead of answering. */
  | { kind: 'drop'; copies?: number }
  /** Forward, then hold the server's answer this long before passing it on (past the client's timeout). */
  | { kind: 'delay'; delayMs: number; copies?: number };

/** Which requests a fault is for: exact method and path (query ignored); omitted means any. */
export interface FaultMatch {
  method?: string;
  path?: string;
}

/** One thing the proxy did, in order. `forwarded` events are what the server actually received. */
export interface ProxyEvent {
  /** The n-th request the proxy received (1, 2…). */
  request: number;
  method: string;
  path: string;
  idempotencyKey?: string;
  action: 'reset' | 'forwarded' | 'upstream_failed' | 'dropped' | 'delayed' | 'answered';
  copy?: number;
  copies?: number;
  /** For `forwarded`: the server's status, problem code and `Idempotent-Replayed`. */
  status?: number;
  code?: string;
  replayed?: boolean;
  delayMs?: number;
  error?: string;
}

interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/**
 * A small HTTP proxy that injects network faults in front of the payments server, for tests and the
 * demo: lost answers, late answers, connections reset before the request left, duplicates. Faults
 * are queued per route and used once each, in order; a request that matches none passes untouched.
 * Test tooling: not part of the client's public surface (`src/client/index.ts`).
 */
export class FaultProxy {
  readonly events: ProxyEvent[] = [];
  private readonly queue: Array<{ match: FaultMatch; fault: Fault }> = [];
  private readonly agent = new Agent({ keepAlive: true });
  private readonly timers = new Set<NodeJS.Timeout>();
  private received = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    private readonly onEvent?: (event: ProxyEvent) => void,
  ) {}

  /** Listens on a free loopback port in front of `target` (e.g. `http://127.0.0.1:3000`). */
  static async start(options: { target: string; onEvent?: (event: ProxyEvent) => void }): Promise<FaultProxy> {
    const server = createServer();
    const proxy = new FaultProxy(server, new URL(options.target), options.onEvent);
    server.on('request', (req, res) => void proxy.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues `faults` for the next requests matching `match`, one fault per request, in order. */
  inject(match: FaultMatch, ...faults: Fault[]): void {
    for (const fault of faults) this.queue.push({ match, fault });
  }

  /** The requests the server received (each copy counts), optionally only those with this key. */
  forwarded(idempotencyKey?: string): ProxyEvent[] {
    return this.events.filter((e) => e.action === 'forwarded' && (idempotencyKey === undefined || e.idempotencyKey === idempotencyKey));
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    const key = req.headers['idempotency-key'];
    const seen = { request: ++this.received, method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0], idempotencyKey: typeof key === 'string' ? key : undefined };
    const fault = this.take(seen) ?? { kind: 'pass' };
    if (fault.kind === 'reset') {
      this.emit({ ...seen, action: 'reset' });
      req.socket.resetAndDestroy();
      return;
    }
    const copies = fault.copies ?? 1;
    const answers = await Promise.all(
      Array.from({ length: copies }, (_, i) => this.forward(req, body).then((answer) => this.record(seen, answer, i + 1, copies))),
    );
    const answer = answers[0];
    if (fault.kind === 'drop') {
      this.emit({ ...seen, action: 'dropped' });
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'delay') {
      this.emit({ ...seen, action: 'delayed', delayMs: fault.delayMs });
      await this.wait(fault.delayMs);
    }
    if (req.socket.destroyed) return; // the client gave up meanwhile: the answer has nowhere to go
    const status = answer instanceof Error ? 502 : answer.status;
    if (answer instanceof Error) {
      res.writeHead(502, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 502, code: 'bad_gateway', detail: answer.message }));
    } else {
      res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length }).end(answer.body);
    }
    this.emit({ ...seen, action: 'answered', status });
  }

  private take(seen: { method: string; path: string }): Fault | undefined {
    const index = this.queue.findIndex(({ match }) => (match.method ?? seen.method) === seen.method && (match.path ?? seen.path) === seen.path);
    return index < 0 ? undefined : this.queue.splice(index, 1)[0].fault;
  }

  private record(seen: Omit<ProxyEvent, 'action'>, answer: UpstreamAnswer | Error, copy: number, copies: number) {
    if (answer instanceof Error) {
      this.emit({ ...seen, action: 'upstream_failed', copy, copies, error: answer.message });
    } else {
      const replayed = answer.headers['idempotent-replayed'] === 'true';
      this.emit({ ...seen, action: 'forwarded', copy, copies, status: answer.status, code: codeOf(answer.body), replayed });
    }
    return answer;
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<UpstreamAnswer | Error> {
    const headers: Record<string, string | string[]> = { 'content-length': String(body.length) };
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    return new Promise((resolve) => {
      const upstream = httpRequest(new URL(req.url ?? '/', this.target), { method: req.method, headers, agent: this.agent }, (response) => {
        readAll(response).then((data) => {
          const kept: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
          resolve({ status: response.statusCode ?? 502, headers: kept, body: data });
        }, resolve);
      });
      upstream.on('error', resolve);
      upstream.end(body);
    });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private emit(event: ProxyEvent): void {
    this.events.push(event);
    this.onEvent?.(event);
  }
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function codeOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    return typeof parsed?.code === 'string' ? parsed.code : undefined;
  } catch {
    return undefined;
  }
}
