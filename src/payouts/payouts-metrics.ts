import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Gauge } from 'prom-client';
import { Clock } from '../common/clock';
import { MetricsService } from '../observability/metrics.service';

/** A payout pending longer than this is stuck: the completer has not been able to learn its outcome. */
export const STUCK_AFTER_SECONDS = 300;

/** Pending and stuck payouts, counted from the database at each scrape (one indexed query). */
@Injectable()
export class PayoutsMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const count = async (olderThanSeconds: number) => {
      const before = new Date(this.clock.now().getTime() - olderThanSeconds * 1000);
      const sqlite = this.dataSource.options.type === 'better-sqlite3';
      const rows: Array<{ n: number | string }> = await this.dataSource.query(
        "SELECT COUNT(*) AS n FROM payouts WHERE status = 'pending' AND created_at <= ?",
        [sqlite ? before.toISOString().replace('T', ' ').replace('Z', '') : before],
      );
      return Number(rows[0]?.n ?? 0);
    };
    new Gauge({
      name: 'payouts_pending',
      help: 'Payouts whose bank answer is not recorded yet (their money is in transit)',
      registers: [this.metrics.registry],
      async collect() {
        this.set(await count(0).catch(() => NaN));
      },
    });
    new Gauge({
      name: 'payouts_stuck',
      help: `Payouts pending for more than ${STUCK_AFTER_SECONDS} s: the completer keeps asking the bank; look at the bank`,
      registers: [this.metrics.registry],
      async collect() {
        this.set(await count(STUCK_AFTER_SECONDS).catch(() => NaN));
      },
    });
  }
}
