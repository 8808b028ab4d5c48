import { connect } from 'node:net';

/**
 * HTTP/1.1 over a bare socket, so that a test can send what `fetch` and `http.request` refuse to:
 * control bytes and raw non-ASCII bytes in header values, repeated headers, malformed framing.
 */
export interface RawRequest {
  method: string;
  /** The request target exactly as sent (already percent-encoded where wanted). */
  path: string;
  /** Header lines in order; a value is a byte string (each char one byte, as `latin1`). */
  headers: Array<[string, string]>;
  body?: Buffer;
  /** Leave out the `Content-Length` the helper adds. */
  noContentLength?: boolean;
}

export interface RawAnswer {
  /** 0 when no HTTP answer came back. */
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** The network fault, when there is no answer. */
  error?: string;
}

/**
 * The bytes of a request: `Host` first, then the given headers and the body. Not `Connection:
 * close`: a server that answers before it has read the whole body (a 413 from the length alone)
 * and then closes as asked leaves unread bytes behind, the kernel answers them with a reset, and
 * the client, still writing, fails (EPIPE) and drops the answer unread. On a kept connection the
 * server reads and discards the rest, and `rawExchange` stops at the end of the first answer.
 */
export function requestBytes(request: RawRequest): Buffer {
  const body = request.body ?? Buffer.alloc(0);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  if (!request.noContentLength) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/**
 * Sends the bytes and reads until the first complete final answer (or until the server closes);
 * an answer that arrived before a reset still counts.
 */
export function rawExchange(port: number, bytes: Buffer, timeoutMs = 20_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let fault: string | undefined;
    const timer = setTimeout(() => {
      fault = `no answer within ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (!isComplete(Buffer.concat(chunks).toString('latin1'))) return;
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks), undefined));
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (fault ??= error.code ?? error.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks), fault));
    });
    // Not ended after the write: a half-closed request socket makes Node's server drop the request.
    // The server may answer (413) and close before it read the whole body: EPIPE then is expected.
    socket.write(bytes);
  });
}

/** Whether `text` holds a whole final (non-1xx) answer: its headers and all of its body. */
function isComplete(text: string): boolean {
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (end < 0 || !match) return false;
    const status = Number(match[1]);
    const head = text.slice(0, end);
    const rest = text.slice(end + 4);
    if (status >= 100 && status < 200) {
      text = rest;
      continue;
    }
    if (status === 204 || status === 304) return true;
    if (/^transfer-encoding:.*chunked/im.test(head)) return rest.endsWith('0\r\n\r\n');
    const length = /^content-length:\s*(\d+)/im.exec(head);
    return length ? Buffer.byteLength(rest, 'latin1') >= Number(length[1]) : false;
  }
}

/** Parses the last non-1xx response of the bytes read. */
export function parseAnswer(raw: Buffer, fault?: string): RawAnswer {
  let text = raw.toString('latin1');
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (end < 0 || !match) return { status: 0, headers: {}, body: '', error: fault ?? `not an HTTP answer: ${JSON.stringify(text.slice(0, 80))}` };
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end).split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let rest = text.slice(end + 4);
    if (status >= 100 && status < 200) {
      text = rest;
      continue;
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) rest = dechunk(rest);
    else if (headers['content-length'] !== undefined) rest = rest.slice(0, Number(headers['content-length']));
    return { status, headers, body: Buffer.from(rest, 'latin1').toString('utf8') };
  }
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; at < text.length; ) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) break;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return out;
}

/** A string's UTF-8 bytes as a byte string (lone surrogates become U+FFFD, as any encoder does). */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Percent-encodes every byte of `text`'s UTF-8 form but the unreserved ones (works on lone surrogates too). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
