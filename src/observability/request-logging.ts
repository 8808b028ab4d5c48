import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** A key is logged only as a short hash: enough to correlate retries, useless to replay a request. */
function keyHash(req: IncomingMessage, keyHeader: string): string | undefined {
  const key = req.headers[keyHeader.toLowerCase()];
  return typeof key === 'string' ? createHash('sha256').update(key).digest('hex').slice(0, 12) : undefined;
}

/**
 * One JSON line per request: request id, client id, API key id, route, status, duration, idempotency outcome.
 * Headers are not logged at all, so API keys and idempotency keys never reach the logs.
 */
export function requestLoggingParams(level: string, keyHeader: string): Params {
  return {
    pinoHttp: {
      level,
      genReqId: requestId,
      quietReqLogger: true,
      customSuccessMessage: () => 'request completed',
      customErrorMessage: () => 'request failed',
      customProps: (req: IncomingMessage & RequestFacts) => ({
        client_id: req.client?.id,
        api_key_id: req.client?.keyId, // which of the client's keys (its id, never the secret)
        route: req.routeLabel,
        idempotency_outcome: req.idempotencyOutcome,
        idempotency_key_hash: keyHash(req, keyHeader),
      }),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    },
  };
}
