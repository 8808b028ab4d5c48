import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { RequestFacts } from '../common/raw-request';

const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The request id: the client's `X-Request-Id` when sane, else a new UUID; echoed on the response.
 * Called first thing for every request and again by the logger: the second call finds the first's.
 */
export function requestId(req: IncomingMessage, res: ServerResponse | undefined): string {
  const sent = req.headers['x-request-id'];
  const id = typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
  req.headers['x-request-id'] = id;
  if (res && !res.headersSent) res.setHeader('X-Request-Id', id);
  return id;
}

/** The short hash a key is logged as: enough to correlate retries, useless to replay a request. */
function shortHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** Where a key sits in a path: `GET /v1/idempotency-keys/<key>` (any prefix, percent-encoded or not). */
const KEY_IN_PATH = /(\/idempotency-keys\/)([^/]+)/;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The path as logged: the route path only (an absolute-form target loses scheme and host), with an
 * idempotency key in it replaced by its short hash (`/v1/idempotency-keys/#3f2a…`).
 */
export function loggedPath(url: string): string {
  const path = url.split('?')[0].replace(/^[a-z][a-z\d+.-]*:\/\/[^/]*/i, '') || '/';
  return path.replace(KEY_IN_PATH, (_all, prefix: string, key: string) => `${prefix}#${shortHash(decoded(key))}`);
}

/** The key of the request, from its header or its path, as a short hash. */
function keyHash(req: IncomingMessage, keyHeader: string): string | undefined {
  const key = req.headers[keyHeader.toLowerCase()];
  if (typeof key === 'string') return shortHash(key);
  const inPath = KEY_IN_PATH.exec((req.url ?? '').split('?')[0]);
  return inPath ? shortHash(decoded(inPath[2])) : undefined;
}

/** What the line tells about the request beyond method and path, known once it has been answered. */
function requestFields(req: IncomingMessage & RequestFacts, keyHeader: string) {
  return {
    client_id: req.client?.id,
    api_key_id: req.client?.keyId, // which of the client's keys (its id, never the secret)
    route: req.routeLabel,
    idempotency_outcome: req.idempotencyOutcome,
    idempotency_key_hash: keyHash(req, keyHeader),
  };
}

/**
 * One JSON line per request: request id, client id, API key id, route, status, duration, idempotency outcome.
 * Headers are not logged at all, so API keys and idempotency keys never reach the logs.
 *
 * Written for the request path's cost (pino-http was about a tenth of a replay's CPU): the request's
 * fields go into the line's object when it is written (`customSuccessObject`/`customErrorObject`),
 * not into child loggers (`customProps` made two per request, one before anything was known, and
 * hashed the key twice); and the serializers read the request and response themselves
 * (`wrapSerializers: false`) instead of pino's standard ones, which copied the headers and parsed
 * the query string of every request only for ours to keep three fields.
 */
export function requestLoggingParams(level: string, keyHeader: string): Params {
  return {
    // The default route pattern (`{/*splat}`) is not matched by Fastify's middleware layer, which
    // left every request on Fastify unlogged; `*` matches on both adapters (as the metrics middleware does).
    forRoutes: [{ path: '*', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      genReqId: requestId,
      quietReqLogger: true,
      wrapSerializers: false,
      customSuccessMessage: () => 'request completed',
      customErrorMessage: () => 'request failed',
      customSuccessObject: (req, _res, value: object) => ({ ...value, ...requestFields(req as IncomingMessage & RequestFacts, keyHeader) }),
      customErrorObject: (req, _res, _error, value: object) => ({ ...value, ...requestFields(req as IncomingMessage & RequestFacts, keyHeader) }),
      serializers: {
        // Express's `originalUrl` is the whole target even while a router has trimmed `url`.
        req: (req: IncomingMessage & { id: string; originalUrl?: string }) => ({
          id: req.id,
          method: req.method,
          path: loggedPath(req.originalUrl ?? req.url ?? '/'),
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
        // pino-http makes an Error for every 5xx answer; its stack says nothing about the request.
        err: (err: Error) => ({ type: err.name, message: err.message }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    },
  };
}
