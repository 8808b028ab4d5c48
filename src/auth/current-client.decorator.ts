import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard';
import type { AuthenticatedClient } from './api-keys.service';

/** The authenticated client of the request, as set by `ApiKeyGuard`. */
export const CurrentClient = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedClient =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().client!,
);
