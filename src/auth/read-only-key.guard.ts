import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard';
import { PermissionDeniedError } from './auth.errors';

const READING_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A read-only key may read everything and change nothing: any other method answers 403
 * `permission_denied`. Guards run before interceptors, so the refusal happens before the
 * idempotency layer sees the request: it is never stored under the `Idempotency-Key`, and the same
 * key sent later with a full-access key runs the request.
 */
@Injectable()
export class ReadOnlyKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { method: string }>();
    if (request.client?.readOnly && !READING_METHODS.has(request.method)) throw new PermissionDeniedError();
    return true;
  }
}
