import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeysService, AuthenticatedClient } from './api-keys.service';
import { AuthenticationRequiredError, InvalidApiKeyError } from './auth.errors';
import { Public } from './public.decorator';
import { rawRequest } from '../common/raw-request';

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  client?: AuthenticatedClient;
}

/** Every route needs a client's API key unless marked `@Public()`; the client is set on the request. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride(Public, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AuthenticationRequiredError();
    const client = await this.apiKeys.authenticate(match[1]);
    if (!client) throw new InvalidApiKeyError();
    request.client = client;
    rawRequest(request).client = client; // for logs and metrics, read from the Node request
    return true;
  }
}
