import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { IdempotencyPurgeService } from '../idempotency';
import { MetricsService } from './metrics.service';
import { mysqlPoolStats } from './pool-stats';

/**
 * Gauges read at scrape time from the state of other modules: the database pool and the purge of
 * expired idempotency keys. Those modules know nothing of metrics; what is missing (SQLite has no
 * pool, an app without the idempotency module) is not reported at all rather than as 0.
 */
@Injectable()
export class StateGauges implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    if (this.find(DataSource)?.options.type === 'mysql') this.registerPoolGauges();
    this.registerPurgeGauge();
  }

  private registerPoolGauges(): void {
    const registers = [this.metrics.registry];
    const pool = () => mysqlPoolStats(this.find(DataSource));
    new Gauge({
      name: 'db_client_connections',
      help: 'Database pool connections by state: used (checked out) or idle (MySQL/MariaDB only)',
      labelNames: ['state'] as const,
      registers,
      collect() {
        this.reset();
        const stats = pool();
        if (!stats) return;
        this.set({ state: 'used' }, stats.open - stats.idle);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'db_client_connections_max',
      help: 'Most connections the database pool opens, DB_POOL_SIZE (MySQL/MariaDB only)',
      registers,
      collect() {
        this.reset();
        const stats = pool();
        if (stats) this.set(stats.max);
      },
    });
    new Gauge({
      name: 'db_client_connections_pending_requests',
      help: 'Requests waiting for a database connection because every pool connection is in use (MySQL/MariaDB only)',
      registers,
      collect() {
        this.reset();
        const stats = pool();
        if (stats) this.set(stats.pending);
      },
    });
  }

  private registerPurgeGauge(): void {
    const purge = () => this.find(IdempotencyPurgeService);
    new Gauge({
      name: 'idempotency_purge_last_success_timestamp_seconds',
      help: 'Unix time the last purge of expired idempotency keys finished without error; 0 before the first (every 10 minutes)',
      registers: [this.metrics.registry],
      collect() {
        this.reset();
        const service = purge();
        if (service) this.set((service.lastSucceededAt?.getTime() ?? 0) / 1000);
      },
    });
  }

  private find<T>(token: abstract new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef.get(token, { strict: false });
    } catch {
      return undefined;
    }
  }
}
