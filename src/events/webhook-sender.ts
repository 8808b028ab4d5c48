import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { DestinationNotAllowedError, hostOf, resolveDestination, Resolver, systemResolver } from './webhook-destination';

export interface SendResult {
  /** The receiver's status, when it answered in time. */
  statusCode?: number;
  /** Why there was no usable answer (refused, timed out, destination not allowed). */
  error?: string;
  durationMs: number;
}

/** How much of a receiver's answer is read before it is dropped: only its status matters. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one webhook. The destination is resolved and checked first and the socket connects to that
 * checked address (the lookup hook returns it), so no second resolution can point elsewhere.
 * Redirects are not followed. The whole exchange, answer included, is bounded by `timeoutMs`.
 */
export class WebhookSender {
  constructor(private readonly options: { timeoutMs: number; allowPrivate: boolean; resolve?: Resolver }) {}

  async send(rawUrl: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    const started = Date.now();
    const done = (result: Omit<SendResult, 'durationMs'>): SendResult => ({ ...result, durationMs: Date.now() - started });
    const url = new URL(rawUrl);
    let destination: { address: string; family: 4 | 6 };
    try {
      destination = await withinMs(
        resolveDestination(hostOf(url), this.options.allowPrivate, this.options.resolve ?? systemResolver),
        this.options.timeoutMs,
      );
    } catch (error) {
      return done({ error: error instanceof DestinationNotAllowedError ? error.message : 'destination lookup failed' });
    }
    const lookup: LookupFunction = (_hostname, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [destination]);
      else callback(null, destination.address, destination.family);
    };
    // The whole send, lookup included, fits in the timeout: the lease that protects it is sized on it.
    const remainingMs = Math.max(1, this.options.timeoutMs - (Date.now() - started));
    return done(await this.exchange(url, body, headers, lookup, remainingMs));
  }

  private exchange(
    url: URL,
    body: string,
    headers: Record<string, string>,
    lookup: LookupFunction,
    timeoutMs: number,
  ): Promise<Omit<SendResult, 'durationMs'>> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'POST',
        lookup,
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'payments-webhooks/1' },
      });
      const timer = setTimeout(() => {
        finish({ error: `no answer within ${this.options.timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('response', (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('end', () => finish({ statusCode: res.statusCode }));
        res.on('close', () => finish({ statusCode: res.statusCode }));
        res.on('error', () => finish({ statusCode: res.statusCode }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish({ error: describe(error) }));
      req.end(body);
    });
  }
}

/** `promise`, or a rejection once `ms` have passed. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

function describe(error: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    EPIPE: 'connection closed',
  };
  if (error.code && known[error.code]) return known[error.code];
  if (error.code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(error.message)) return 'TLS handshake failed';
  return 'connection failed';
}
