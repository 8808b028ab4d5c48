import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

type StatusRow = { Variable_name: string; Value: string };

/**
 * Readiness of a MariaDB Galera node. A node that is joining, donating by rsync, or cut off from the
 * primary component still answers `SELECT 1`, but refuses application statements (error 1047):
 * `/health` must say 503 there, so that a load balancer stops sending it traffic. On a server that
 * is not a Galera node (`wsrep_on` OFF) and on SQLite this check is always up.
 *
 * `SHOW` statements are used because a node outside the primary component still answers them.
 */
@Injectable()
export class GaleraHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string) {
    const indicator = this.indicators.check(key);
    if (this.dataSource.options.type !== 'mysql') return indicator.up({ galera: false });
    const [wsrep] = (await this.dataSource.query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")) as StatusRow[];
    if (wsrep?.Value !== 'ON') return indicator.up({ galera: false });
    const rows = (await this.dataSource.query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size')",
    )) as StatusRow[];
    const status = Object.fromEntries(rows.map((row) => [row.Variable_name, row.Value]));
    const details = {
      galera: true,
      ready: status.wsrep_ready,
      cluster_status: status.wsrep_cluster_status,
      state: status.wsrep_local_state_comment,
      cluster_size: Number(status.wsrep_cluster_size ?? 0),
    };
    const usable = status.wsrep_ready === 'ON' && status.wsrep_cluster_status === 'Primary' && status.wsrep_local_state_comment === 'Synced';
    return usable ? indicator.up(details) : indicator.down(details);
  }
}
