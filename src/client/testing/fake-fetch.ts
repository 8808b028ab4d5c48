/** One scripted answer of {@link fakeFetch}: a response, a network error, or `'hang'` (never answers until aborted). */
export type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | Error | 'hang';

export interface FakeFetch {
  fetch: typeof fetch;
  /** Every call made, in order. */
  calls: Array<{ url: string; method: string; headers: Record<string, string>; body?: string }>;
}

/**
 * A stand-in for the global `fetch` that answers from a script, one entry per call (the last entry
 * repeats), for unit tests of the client's retry behaviour without a network.
 */
export function fakeFetch(...script: Scripted[]): FakeFetch {
  const calls: FakeFetch['calls'] = [];
  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    calls.push({ url: String(input), method: init.method ?? 'GET', headers: { ...(init.headers as Record<string, string>) }, body: init.body as string | undefined });
    const next = script[Math.min(calls.length, script.length) - 1];
    if (next === 'hang') {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true }));
    }
    if (next instanceof Error) throw next;
    const text = next.body === undefined ? '' : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    return new Response(next.status === 204 ? null : text, { status: next.status, headers: { 'content-type': 'application/json', ...next.headers } });
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

/** A `fetch failed` TypeError as undici throws it, with the socket error as its cause. */
export function networkError(code = 'ECONNRESET'): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`read ${code}`), { code }) });
}
