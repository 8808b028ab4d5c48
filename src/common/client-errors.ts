import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { problem } from './problem';

/** The client's `X-Request-Id` when the unparsed bytes hold a sane one (as `requestId` accepts), else a new UUID. */
function requestIdOf(error: { rawPacket?: unknown }): string {
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.toString('latin1') : '';
  return /\r\nx-request-id:[ \t]*([\x21-\x7e]{1,200})[ \t]*\r\n/i.exec(raw)?.[1] ?? randomUUID();
}

/**
 * What Node's HTTP parser refuses before any framework sees the request (a control byte in a
 * header, headers too large, a malformed request line) is answered as problem+json too, not with
 * Node's bare `400 Bad Request`, then the connection is closed (the parser cannot go on with it).
 */
export function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (!socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const rendered = tooLarge
    ? problem(431, 'request_header_fields_too_large', 'The request headers are too large.')
    : problem(400, 'validation_error', 'The request is malformed (a header or the request line could not be parsed).');
  const body = JSON.stringify(rendered.body);
  socket.end(
    `HTTP/1.1 ${rendered.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/problem+json\r\nX-Request-Id: ${requestIdOf(error)}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Fastify's own routing errors (a URL that does not decode, a parameter too long) as problem+json. */
export function frameworkErrorProblem(error: { code?: string; statusCode?: number }) {
  if (error.code === 'FST_ERR_BAD_URL') return problem(400, 'validation_error', 'The URL could not be decoded.');
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return problem(404, 'not_found', 'No such route.');
  return problem(error.statusCode && error.statusCode < 500 ? error.statusCode : 400, 'validation_error', 'The request is malformed.');
}
