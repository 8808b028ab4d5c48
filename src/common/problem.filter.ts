import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { parseIdempotencyKey } from '../idempotency';
import { renderProblem } from './problem';

/** Every error leaves as `application/problem+json` with a stable `code`; unexpected ones are logged, not shown. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');
  private readonly keyHeader: string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService,
  ) {
    this.keyHeader = config.getOrThrow<AppConfig>('app').idempotency.headerName;
  }

  catch(error: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    const rendered = renderProblem(error);
    if (rendered.status >= 500) this.logger.error(describeError(error));
    for (const [name, value] of Object.entries(rendered.headers)) httpAdapter.setHeader(response, name, value);
    this.echoIdempotencyKey(host.switchToHttp().getRequest(), response);
    this.echoRequestId(host.switchToHttp().getRequest(), response);
    httpAdapter.reply(response, JSON.stringify(rendered.body), rendered.status);
  }

  /**
   * `X-Request-Id` also on errors raised before Fastify's onRequest hook set it (middleware runs
   * first there): the id was already chosen when the request arrived, in its headers.
   */
  private echoRequestId(request: { headers?: Record<string, string | string[] | undefined> }, response: unknown): void {
    const { httpAdapter } = this.adapterHost;
    const id = request?.headers?.['x-request-id'];
    if (typeof id === 'string' && !httpAdapter.getHeader(response, 'x-request-id')) httpAdapter.setHeader(response, 'X-Request-Id', id);
  }

  /**
   * Every answer to a request that carried a valid key echoes it, also when the request was refused
   * before the idempotency layer saw it (401, 429, a body that did not parse, a database outage).
   */
  private echoIdempotencyKey(request: { headers?: Record<string, string | string[] | undefined> }, response: unknown): void {
    const { httpAdapter } = this.adapterHost;
    const sent = request?.headers?.[this.keyHeader.toLowerCase()];
    if (typeof sent !== 'string' || httpAdapter.getHeader(response, this.keyHeader)) return;
    try {
      httpAdapter.setHeader(response, this.keyHeader, parseIdempotencyKey(sent, this.keyHeader));
    } catch {
      // An invalid key is not echoed: the 400 says what is wrong with it.
    }
  }
}

/**
 * What a log line says of an unexpected error: its class, message and driver code, never its stack
 * (stacks name the code's files and internals; the message and code are what an operator acts on).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const driver = (error as { driverError?: { code?: string; errno?: number } }).driverError ?? (error as { code?: string; errno?: number });
  const code = driver.code ? ` [${driver.code}${driver.errno ? ` ${driver.errno}` : ''}]` : '';
  return `${error.name}: ${error.message}${code}`;
}
