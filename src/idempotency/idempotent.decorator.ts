import { applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { idempotencyOpenApi } from './idempotent.openapi';

/** Per-route settings of `@Idempotent()`. */
export interface IdempotentOptions {
  /** A request without a key is refused (400 `idempotency_key_missing`). Default `false`: it runs undeduplicated. */
  required?: boolean;
  /** Retention of this route's keys, overriding the module's `ttlSeconds`. */
  ttlSeconds?: number;
  /** Names what the route does (e.g. `transfers.create`); a key minted for another purpose is refused. */
  purpose?: string;
  /**
   * The route runs in atomic phases (`IdempotentRun.phase()`), with a foreign call between them:
   * each phase commits and advances the key's recovery point, a retry resumes from it, and the
   * completer finishes what was abandoned. Needs `purpose`, which names the route's resumer
   * (`PhasedHandlers.register`). See `IdempotentRun`.
   */
  phases?: boolean;
}

/** Metadata holder; read by `IdempotencyInterceptor` with `getAllAndOverride([handler, class])`. */
export const IdempotentMetadata = Reflector.createDecorator<IdempotentOptions>();

/**
 * Marks a POST or PATCH route (or every such route of a controller) as exactly-once: a repeated
 * `Idempotency-Key` replays the first response, and the key's result commits in the same database
 * transaction as the handler's writes. Other methods ignore the key. With `@nestjs/swagger` present,
 * the route's OpenAPI shows the key header and the layer's error responses.
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(IdempotentMetadata(options), ...idempotencyOpenApi(options));
}
