import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { IdempotencyStore } from '../idempotency';
import { GaleraHealthIndicator } from './galera.health';

const CHECK_TIMEOUT_MS = 1_500;

/**
 * Liveness and readiness: 200 when the database and the idempotency store answer (and, on a Galera
 * node, the node is synced in the primary component), else 503.
 */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly galera: GaleraHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () =>
        this.indicators
          .check('idempotency_store')
          .attempt(() => this.store.ping())
          .withTimeout(CHECK_TIMEOUT_MS),
      () => this.galera.check('cluster_node'),
    ]);
  }
}
