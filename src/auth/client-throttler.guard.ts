import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { rawRequest } from '../common/raw-request';

/**
 * Rate limits per API client, across all its routes (per IP where there is no client: public routes). A guard runs
 * before every interceptor, so a 429 is answered before the idempotency layer: it is never stored,
 * and the same key may be retried after `Retry-After`.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(request: Record<string, any>): Promise<string> {
    const client = rawRequest(request).client;
    return client ? `client:${client.id}` : `ip:${request.ip ?? 'unknown'}`;
  }

  /** One budget per client across all routes (the library's default keeps one per route). */
  protected generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }
}
