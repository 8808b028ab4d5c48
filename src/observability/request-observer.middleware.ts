import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestFacts } from '../common/raw-request';
import { MetricsService } from './metrics.service';

/** Times every request and counts its idempotency outcome once the response is finished. */
@Injectable()
export class RequestObserverMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: IncomingMessage & RequestFacts, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.requestDuration.observe(
        { method: req.method ?? 'GET', route: req.routeLabel ?? 'unmatched', status: String(res.statusCode) },
        seconds,
      );
      if (req.idempotencyOutcome) this.metrics.idempotencyOutcomes.inc({ outcome: req.idempotencyOutcome });
    });
    next();
  }
}
