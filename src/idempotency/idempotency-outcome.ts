/** What the idempotency layer did with a request; set on the request for logs and metrics. */
export type IdempotencyOutcome = 'executed' | 'replayed' | 'in_use' | 'reused' | 'invalid' | 'released' | 'lease_lost' | 'store_unavailable';

/**
 * The parts of an Express or Fastify request the layer reads, and the outcome it leaves for logs
 * and metrics (`idempotencyOutcome`, also on the Node request under Fastify).
 */
export interface IdempotencyRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
  idempotencyOutcome?: IdempotencyOutcome;
  /** Fastify's underlying Node request. */
  raw?: { idempotencyOutcome?: IdempotencyOutcome };
}

/** On the framework request and, under Fastify, on the Node request too, where middleware reads it. */
export function setOutcome(request: IdempotencyRequest, outcome: IdempotencyOutcome): void {
  request.idempotencyOutcome = outcome;
  if (request.raw) request.raw.idempotencyOutcome = outcome;
}
