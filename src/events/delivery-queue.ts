import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { newId } from '../common/ids';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventType } from './event-types';
import type { AttemptOutcome } from './webhook-attempt.entity';

/** A delivery a dispatcher holds, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  clientId: string;
  eventId: string;
  endpointId: string;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: Date;
  event: { type: EventType; data: string; createdAt: Date };
  endpoint: { url: string; sealedSecret: string };
}

/** What became of one attempt. */
export interface SettledAttempt {
  outcome: AttemptOutcome;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** When a `retrying` delivery is next due. */
  nextAttemptAt?: Date;
}

/**
 * The deliveries table as a queue of leases. A claim makes rows invisible to other dispatchers
 * until `leaseUntil` (it moves `next_attempt_at` there) and stamps them with the claimer; settling
 * is conditional on still holding that stamp. A dispatcher that dies simply lets the lease run out.
 */
@Injectable()
export class DeliveryQueue {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Up to `limit` due deliveries, oldest first, claimed for `owner`. On MySQL/MariaDB, `FOR UPDATE
   * SKIP LOCKED` lets concurrent dispatchers each take different rows without waiting for each
   * other; SQLite runs one transaction at a time, which makes the select-then-update atomic anyway.
   */
  async claim(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    return this.txHost.withTransaction(async () => {
      const lock = this.unitOfWork.locksRows ? ' FOR UPDATE SKIP LOCKED' : '';
      const due: Array<{ id: string }> = await this.txHost.tx.query(
        `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT ${Number(limit)}${lock}`,
        [this.toDb(now)],
      );
      if (!due.length) return [];
      const ids = due.map((row) => row.id);
      const marks = ids.map(() => '?').join(',');
      await this.txHost.tx.query(`UPDATE webhook_deliveries SET lease_owner = ?, next_attempt_at = ? WHERE id IN (${marks})`, [
        owner,
        this.toDb(leaseUntil),
        ...ids,
      ]);
      const rows: any[] = await this.txHost.tx.query(
        `SELECT d.id, d.client_id, d.event_id, d.endpoint_id, d.attempts, d.created_at,
                e.type, e.data, e.created_at AS event_created_at, w.url, w.secret
           FROM webhook_deliveries d
           JOIN events e ON e.id = d.event_id
           JOIN webhook_endpoints w ON w.id = d.endpoint_id
          WHERE d.id IN (${marks}) ORDER BY d.seq`,
        ids,
      );
      // A delivery whose endpoint was deleted while its event was being written has nowhere to go.
      const orphans = ids.filter((id) => !rows.some((row) => row.id === id));
      if (orphans.length) await this.txHost.tx.query(`DELETE FROM webhook_deliveries WHERE id IN (${orphans.map(() => '?').join(',')})`, orphans);
      return rows.map((row) => ({
        id: row.id,
        clientId: row.client_id,
        eventId: row.event_id,
        endpointId: row.endpoint_id,
        attempts: Number(row.attempts),
        createdAt: this.fromDb(row.created_at),
        event: { type: row.type, data: row.data, createdAt: this.fromDb(row.event_created_at) },
        endpoint: { url: row.url, sealedSecret: row.secret },
      }));
    });
  }

  /**
   * Records an attempt and moves the delivery on, only if `owner` still holds it: a dispatcher whose
   * lease ran out (or whose endpoint was deleted meanwhile) changes nothing. Returns whether it did.
   */
  async settle(delivery: ClaimedDelivery, owner: string, now: Date, result: SettledAttempt): Promise<boolean> {
    return this.txHost.withTransaction(async () => {
      const final = result.outcome !== 'retrying';
      const update = await this.txHost.tx.queryRunner!.query(
        `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, finished_at = ?
          WHERE id = ? AND lease_owner = ?`,
        [
          final ? result.outcome : 'pending',
          delivery.attempts + 1,
          this.toDb(result.nextAttemptAt ?? now),
          final ? this.toDb(now) : null,
          delivery.id,
          owner,
        ],
        true,
      );
      if (update.affected !== 1) return false;
      await this.txHost.tx.query(
        `INSERT INTO webhook_attempts (id, client_id, delivery_id, event_id, endpoint_id, attempt, status_code, error, outcome, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          newId('wha'),
          delivery.clientId,
          delivery.id,
          delivery.eventId,
          delivery.endpointId,
          delivery.attempts + 1,
          result.statusCode,
          result.error,
          result.outcome,
          Math.min(result.durationMs, 2_147_483_647),
          this.toDb(now),
        ],
      );
      return true;
    });
  }

  /** Gives claims back unsent, due at once (a claim whose lease is too short to send it in). */
  async release(deliveryIds: string[], owner: string, now: Date): Promise<void> {
    if (!deliveryIds.length) return;
    await this.txHost.withTransaction(() =>
      this.txHost.tx.query(
        `UPDATE webhook_deliveries SET lease_owner = NULL, next_attempt_at = ? WHERE lease_owner = ? AND id IN (${deliveryIds.map(() => '?').join(',')})`,
        [this.toDb(now), owner, ...deliveryIds],
      ),
    );
  }

  /** Events with a delivery still pending, and how old the oldest of them is (for the metrics). */
  async backlog(now: Date): Promise<{ eventsPending: number; oldestAgeSeconds: number }> {
    const [row] = await this.txHost.tx.query(
      `SELECT COUNT(DISTINCT event_id) AS n, MIN(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'`,
    );
    const oldest = row?.oldest ? this.fromDb(row.oldest) : undefined;
    return { eventsPending: Number(row?.n ?? 0), oldestAgeSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0 };
  }

  private get sqlite(): boolean {
    return !this.unitOfWork.locksRows;
  }

  private toDb(date: Date): Date | string {
    // mysql2 writes a Date in the pool's time zone (UTC here); better-sqlite3 cannot bind one.
    return this.sqlite ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
  }

  private fromDb(value: Date | string): Date {
    return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
  }
}
