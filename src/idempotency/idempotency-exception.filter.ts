import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { IdempotencyError } from './idempotency.errors';

/**
 * Renders the layer's own errors as RFC 9457 problem+json with their `code` (and `Retry-After`
 * where a retry may help), for applications without a catch-all filter of their own. Register it
 * with `app.useGlobalFilters(new IdempotencyExceptionFilter(app.get(HttpAdapterHost)))`.
 */
@Catch(IdempotencyError)
export class IdempotencyExceptionFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: IdempotencyError, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    const body = { type: 'about:blank', title: error.code, status: error.status, detail: error.message, code: error.code, param: error.param };
    httpAdapter.setHeader(response, 'content-type', 'application/problem+json');
    if (error.retryAfterSeconds !== undefined) httpAdapter.setHeader(response, 'retry-after', String(error.retryAfterSeconds));
    httpAdapter.reply(response, JSON.stringify(body), error.status);
  }
}
