import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig, WebhooksConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { ClaimedDelivery, DeliveryQueue, SettledAttempt } from './delivery-queue';
import { presentEvent } from './events.presenters';
import { retryDelayMs } from './retry-schedule';
import { SecretBox } from './secret-box';
import { WebhookMetrics } from './webhook-metrics';
import { WebhookSender } from './webhook-sender';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';

/**
 * Sends due deliveries, at least once each: claim a batch under a lease, POST each one signed,
 * settle it (delivered, retry later, or failed for good). Runs in every app process unless
 * `WEBHOOKS_DISPATCHER_ENABLED=false`, and alone in `npm run worker`; any number of them may run
 * against one MySQL/MariaDB database.
 *
 * A dispatcher killed mid-send leaves its claim to run out: the delivery comes due again and is
 * sent again, with the same event id, which is how receivers drop the repeat.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly config: WebhooksConfig;
  private readonly sender: WebhookSender;
  private readonly secrets: SecretBox;
  /** Stamped on every claim of this process, so that only its own claims are settled by it. */
  private readonly owner = `disp_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    config: ConfigService,
    private readonly queue: DeliveryQueue,
    private readonly clock: Clock,
    private readonly metrics: WebhookMetrics,
  ) {
    this.config = config.getOrThrow<AppConfig>('app').webhooks;
    this.sender = new WebhookSender({ timeoutMs: this.config.timeoutMs, allowPrivate: this.config.allowPrivateUrls });
    this.secrets = new SecretBox(this.config.secretsKey);
  }

  onApplicationBootstrap(): void {
    if (this.config.dispatcherEnabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the sends in flight (each bounded by the timeout), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Claims and sends one batch; returns how many deliveries it claimed. */
  private async dispatchOnce(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.config.leaseMs);
    const claimed = await this.queue.claim(this.owner, now, leaseUntil, this.config.batchSize);
    // Per endpoint in claim (creation) order, one at a time; different endpoints in parallel.
    const byEndpoint = new Map<string, ClaimedDelivery[]>();
    for (const delivery of claimed) byEndpoint.set(delivery.endpointId, [...(byEndpoint.get(delivery.endpointId) ?? []), delivery]);
    const unsent: string[] = [];
    await Promise.all(
      [...byEndpoint.values()].map(async (deliveries) => {
        for (const delivery of deliveries) {
          // A send takes at most the timeout. One that could outlast the lease is not started:
          // another dispatcher may take the row once the lease is over, and must not find it in flight.
          // Nor is one started while stopping: shutdown waits only for the sends in flight.
          const outlastsLease = this.clock.now().getTime() + this.config.timeoutMs > leaseUntil.getTime();
          if (outlastsLease || !this.running) unsent.push(delivery.id);
          else await this.deliver(delivery);
        }
      }),
    );
    await this.queue.release(unsent, this.owner, this.clock.now());
    return claimed.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.dispatchOnce();
      } catch (error) {
        this.logger.warn(`webhook dispatch failed; trying again shortly: ${(error as Error).message}`);
      }
      // A full batch means more may be due: go on at once; otherwise wait for the next poll.
      if (claimed < this.config.batchSize && this.running) await this.pause(this.config.pollMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    // Rebuilt from the stored row on every attempt: every copy of an event has the same body.
    const body = JSON.stringify(presentEvent({ id: delivery.eventId, ...delivery.event }));
    let result: SettledAttempt;
    try {
      const secret = this.secrets.open(delivery.endpoint.sealedSecret);
      const timestamp = Math.floor(this.clock.now().getTime() / 1000);
      const sent = await this.sender.send(delivery.endpoint.url, body, {
        [SIGNATURE_HEADER]: signatureHeader(secret, body, timestamp),
        'Payments-Event-Id': delivery.eventId,
        'Payments-Delivery-Id': delivery.id,
        'Payments-Delivery-Attempt': String(delivery.attempts + 1),
      });
      result = this.judge(delivery, sent.statusCode ?? null, sent.error ?? null, sent.durationMs);
    } catch (error) {
      this.logger.error(`webhook ${delivery.id} could not be sent: ${(error as Error).message}`);
      result = this.judge(delivery, null, 'could not be sent (see server log)', 0);
    }
    const settled = await this.queue.settle(delivery, this.owner, this.clock.now(), result);
    if (settled) this.metrics.deliveries.inc({ outcome: result.outcome });
  }

  /** 2xx is delivered; anything else retries with backoff until the retry window ends. */
  private judge(delivery: ClaimedDelivery, statusCode: number | null, error: string | null, durationMs: number): SettledAttempt {
    const base = { statusCode, error: error ?? (statusCode !== null && (statusCode < 200 || statusCode > 299) ? `answered ${statusCode}` : null), durationMs };
    if (statusCode !== null && statusCode >= 200 && statusCode <= 299) return { ...base, error: null, outcome: 'delivered' };
    const now = this.clock.now();
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(delivery.attempts + 1, this.config));
    const windowEnds = delivery.event.createdAt.getTime() + this.config.retryWindowSeconds * 1000;
    if (nextAttemptAt.getTime() > windowEnds) return { ...base, outcome: 'failed' };
    return { ...base, outcome: 'retrying', nextAttemptAt };
  }
}
