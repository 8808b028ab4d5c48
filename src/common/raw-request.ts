import type { IdempotencyOutcome } from '../idempotency';

/**
 * The Node request under a framework request: Fastify wraps it (`request.raw`), Express extends it.
 * Per-request facts that middleware reads at the end of the response (client, route, idempotency
 * outcome) are kept here, so they read the same on both adapters.
 */
export interface RequestFacts {
  client?: { id: string; name: string; keyId?: string };
  routeLabel?: string;
  /** Left by the idempotency layer (see its `IdempotencyRequest`). */
  idempotencyOutcome?: IdempotencyOutcome;
}

export function rawRequest<T extends object>(request: T & { raw?: object }): RequestFacts {
  return (request.raw ?? request) as RequestFacts;
}
