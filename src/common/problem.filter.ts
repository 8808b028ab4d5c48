import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { renderProblem } from './problem';

/** Every error leaves as `application/problem+json` with a stable `code`; unexpected ones are logged, not shown. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response = host.switchToHttp().getResponse();
    const rendered = renderProblem(error);
    if (rendered.status >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    for (const [name, value] of Object.entries(rendered.headers)) httpAdapter.setHeader(response, name, value);
    httpAdapter.reply(response, JSON.stringify(rendered.body), rendered.status);
  }
}
