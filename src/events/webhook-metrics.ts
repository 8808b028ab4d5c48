import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Clock } from '../common/clock';
import { MetricsService } from '../observability/metrics.service';
import { DeliveryQueue } from './delivery-queue';

/**
 * Webhook metrics: attempts by outcome (this process's dispatcher), and from the database, so any
 * process shows the same backlog, the events still waiting for a delivery and the oldest one's age.
 */
@Injectable()
export class WebhookMetrics implements OnModuleInit {
  readonly deliveries: Counter<'outcome'>;

  constructor(
    private readonly metrics: MetricsService,
    private readonly queue: DeliveryQueue,
    private readonly clock: Clock,
  ) {
    this.deliveries = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook attempts by outcome: delivered (2xx), retrying (will be sent again), failed (retry window over)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    // Every outcome exported from the start (at 0), so rate() and alerts see a series before the first attempt.
    for (const outcome of ['delivered', 'retrying', 'failed'] as const) this.deliveries.inc({ outcome }, 0);
  }

  onModuleInit(): void {
    let backlog: Promise<{ eventsPending: number; oldestAgeSeconds: number } | undefined> | undefined;
    // One query per scrape for both gauges; an unreachable database leaves the last values.
    const read = () =>
      (backlog ??= this.queue
        .backlog(this.clock.now())
        .catch(() => undefined)
        .finally(() => setTimeout(() => (backlog = undefined), 0)));
    new Gauge({
      name: 'webhook_events_pending',
      help: 'Events with at least one webhook delivery not yet delivered or failed',
      registers: [this.metrics.registry],
      async collect() {
        const value = await read();
        if (value) this.set(value.eventsPending);
      },
    });
    new Gauge({
      name: 'webhook_oldest_undelivered_event_age_seconds',
      help: 'Age of the oldest event with a pending webhook delivery (0 when none)',
      registers: [this.metrics.registry],
      async collect() {
        const value = await read();
        if (value) this.set(value.oldestAgeSeconds);
      },
    });
  }
}
