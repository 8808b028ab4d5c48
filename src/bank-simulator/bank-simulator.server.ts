import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BankSimulatorStore, TransferRequest } from './bank-simulator.store';

/**
 * What the next matching `POST /transfers` suffers:
 * - `error_before`: 500, nothing done;
 * - `drop_after`: the transfer is made, then the connection is dropped without an answer;
 * - `slow_after`: the transfer is made, the answer comes after `delay_ms` (past the caller's timeout);
 * - `decline`: the bank declines with `code` (`account_closed`, `limit_exceeded`);
 * - `garbage`: the transfer is made, the answer is not JSON;
 * - `impossible`: the transfer is made, the answer has a status the bank never sends.
 */
export type FaultKind = 'error_before' | 'drop_after' | 'slow_after' | 'decline' | 'garbage' | 'impossible';
const FAULTS: FaultKind[] = ['error_before', 'drop_after', 'slow_after', 'decline', 'garbage', 'impossible'];
const DECLINE_CODES = ['account_closed', 'limit_exceeded'];

interface FaultPlan {
  fault: FaultKind;
  /** How many matching requests it applies to. */
  times: number;
  /** Only requests with this reference; any request when absent. */
  reference?: string;
  delayMs: number;
  code: string;
}

export interface BankSimulator {
  url: string;
  port: number;
  store: BankSimulatorStore;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;

/**
 * A bank with an HTTP API (the outside service payouts go through), and the faults a test can
 * ask of it on a control API under `/_sim` that only the simulator has:
 * `POST /_sim/faults {fault, times?, reference?, delay_ms?, code?}`, `DELETE /_sim/faults`,
 * `POST /_sim/random {rate, delay_ms?}` (each transfer request suffers a random fault with that
 * probability), `POST /_sim/down {seconds}` (connections refused for that long), `GET /_sim/stats`.
 */
export async function startBankSimulator(options: { port: number; databaseFile: string; host?: string }): Promise<BankSimulator> {
  const store = new BankSimulatorStore(options.databaseFile);
  const plans: FaultPlan[] = [];
  let random = { rate: 0, delayMs: 1_500 };
  const sockets = new Set<Socket>();
  let downUntil = 0;
  let downTimer: NodeJS.Timeout | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://bank');
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (url.pathname === '/transfers' && req.method === 'POST') return transfer(req, res, body);
    if (url.pathname === '/transfers' && req.method === 'GET') {
      const reference = url.searchParams.get('reference');
      if (!reference) return send(res, 400, { error: { code: 'parameter_missing', param: 'reference' } });
      return send(res, 200, { object: 'list', data: store.byReference(reference) });
    }
    const byId = /^\/transfers\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
    if (byId && req.method === 'GET') {
      const found = store.byId(byId[1]);
      return found ? send(res, 200, found) : send(res, 404, { error: { code: 'not_found' } });
    }
    if (url.pathname.startsWith('/_sim/')) return control(req, res, url.pathname, body);
    send(res, 404, { error: { code: 'not_found' } });
  };

  const transfer = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
      return send(res, 400, { error: { code: 'idempotency_key_missing', param: 'Idempotency-Key' } });
    }
    const request = parseTransfer(body);
    if (typeof request === 'string') return send(res, 400, { error: { code: 'invalid_request', param: request } });
    const plan = takeFault(request.reference);
    if (plan?.fault === 'error_before') return send(res, 500, { error: { code: 'internal_error' } });
    const recorded = store.record(key, request, plan?.fault === 'decline' ? plan.code : null);
    if (recorded.kind === 'mismatch') return send(res, 422, { error: { code: 'idempotency_key_reused' } });
    const status = recorded.kind === 'created' ? 201 : 200;
    if (plan?.fault === 'drop_after') return req.socket.destroy();
    if (plan?.fault === 'garbage') return sendRaw(res, 200, '<html>Service Unavailable</html>');
    if (plan?.fault === 'impossible') return send(res, 200, { ...recorded.transfer, status: 'teleported' });
    if (plan?.fault === 'slow_after') await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    send(res, status, recorded.transfer);
  };

  const takeFault = (reference: string): FaultPlan | undefined => {
    const index = plans.findIndex((plan) => plan.reference === undefined || plan.reference === reference);
    if (index >= 0) {
      const plan = plans[index];
      if (--plan.times <= 0) plans.splice(index, 1);
      return plan;
    }
    if (random.rate > 0 && Math.random() < random.rate) {
      const fault = FAULTS[Math.floor(Math.random() * FAULTS.length)];
      const code = DECLINE_CODES[Math.floor(Math.random() * DECLINE_CODES.length)];
      return { fault, times: 1, delayMs: random.delayMs, code };
    }
    return undefined;
  };

  const control = (req: IncomingMessage, res: ServerResponse, path: string, body: any) => {
    if (path === '/_sim/stats' && req.method === 'GET') return send(res, 200, store.stats());
    if (path === '/_sim/faults' && req.method === 'DELETE') {
      plans.length = 0;
      random = { rate: 0, delayMs: random.delayMs };
      return send(res, 200, { cleared: true });
    }
    if (path === '/_sim/faults' && req.method === 'POST') {
      if (!FAULTS.includes(body?.fault)) return send(res, 400, { error: { code: 'invalid_request', param: 'fault' } });
      const code = body.code ?? 'account_closed';
      if (!DECLINE_CODES.includes(code)) return send(res, 400, { error: { code: 'invalid_request', param: 'code' } });
      plans.push({
        fault: body.fault,
        times: positive(body.times, 1),
        reference: typeof body.reference === 'string' ? body.reference : undefined,
        delayMs: positive(body.delay_ms, 1_500),
        code,
      });
      return send(res, 201, { planned: plans.length });
    }
    if (path === '/_sim/random' && req.method === 'POST') {
      const rate = Number(body?.rate);
      if (!(rate >= 0 && rate <= 1)) return send(res, 400, { error: { code: 'invalid_request', param: 'rate' } });
      random = { rate, delayMs: positive(body?.delay_ms, 1_500) };
      return send(res, 200, { rate });
    }
    if (path === '/_sim/down' && req.method === 'POST') {
      const seconds = Number(body?.seconds);
      if (!(seconds > 0 && seconds <= 600)) return send(res, 400, { error: { code: 'invalid_request', param: 'seconds' } });
      send(res, 200, { down_for_seconds: seconds });
      downUntil = Date.now() + seconds * 1000;
      // Answer this request first, then refuse every connection until the time is up.
      res.on('finish', () => {
        server.close();
        for (const socket of sockets) socket.destroy();
        // Not unref()d: a simulator process with nothing else to do must live to come back.
        downTimer = setTimeout(() => server.listen(port, host), seconds * 1000);
      });
      return;
    }
    send(res, 404, { error: { code: 'not_found' } });
  };

  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, { error: { code: 'invalid_request', param: 'body' } });
    });
  });
  server.on('connection', (socket) => {
    if (Date.now() < downUntil) return socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    close: async () => {
      clearTimeout(downTimer);
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

function parseTransfer(body: any): TransferRequest | string {
  if (!body || typeof body !== 'object') return 'body';
  if (!Number.isSafeInteger(body.amount) || body.amount <= 0) return 'amount';
  if (typeof body.currency !== 'string' || !/^[a-z]{3}$/.test(body.currency)) return 'currency';
  if (typeof body.bank_account !== 'string' || !/^[A-Za-z0-9 -]{4,64}$/.test(body.bank_account)) return 'bank_account';
  if (typeof body.reference !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(body.reference)) return 'reference';
  return { amount: body.amount, currency: body.currency, bank_account: body.bank_account, reference: body.reference };
}

function positive(value: unknown, fallback: number): number {
  return Number.isSafeInteger(value) && (value as number) > 0 ? (value as number) : fallback;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) throw new Error('body too large');
  }
  return text ? JSON.parse(text) : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body), 'application/json');
}

function sendRaw(res: ServerResponse, status: number, text: string, type = 'text/html'): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
