import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { AppConfig, WebhooksConfig } from '../config/app-config';
import { ValidationFailedError } from '../common/domain-error';
import { isWellFormedId, newId } from '../common/ids';
import { UnitOfWork } from '../database/unit-of-work';
import { Clock } from '../common/clock';
import { paginate } from '../payments/pagination';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';
import { ALL_EVENTS } from './event-types';
import { WebhookEndpointNotFoundError } from './events.errors';
import { presentAttempt, presentEndpoint } from './events.presenters';
import { SecretBox } from './secret-box';
import { SubscribedEndpointsCache } from './subscribed-endpoints.cache';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { DestinationNotAllowedError, hostOf, resolveDestination, systemResolver, urlProblem } from './webhook-destination';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/** A name that takes longer than this to resolve is accepted now and checked again at each delivery. */
const CREATION_LOOKUP_MS = 2_000;

@Injectable()
export class WebhookEndpointsService {
  private readonly config: WebhooksConfig;
  private readonly secrets: SecretBox;

  constructor(
    config: ConfigService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly subscribedEndpoints: SubscribedEndpointsCache,
  ) {
    this.config = config.getOrThrow<AppConfig>('app').webhooks;
    this.secrets = new SecretBox(this.config.secretsKey);
  }

  /** The endpoint, with its signing secret: the only answer that ever shows it. */
  async create(clientId: string, input: CreateWebhookEndpointDto) {
    await this.checkDestination(input.url);
    const types = [...new Set(input.events ?? [ALL_EVENTS])];
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const endpoint = this.endpoints.create({
      id: newId('we'),
      clientId,
      url: input.url,
      enabledEvents: JSON.stringify(types.includes(ALL_EVENTS) ? [ALL_EVENTS] : types),
      secret: this.secrets.seal(secret),
      createdAt: this.clock.now(),
    });
    await this.unitOfWork.run(() => this.endpoints.createQueryBuilder().insert().values(endpoint).updateEntity(false).execute());
    // Not needed for correctness (the outbox checks its list in the event's insert), but spares this
    // process the failed check on the client's next event.
    this.subscribedEndpoints.invalidate(clientId);
    return { ...presentEndpoint(endpoint), secret };
  }

  list(clientId: string, page: { limit: number; startingAfter?: string }) {
    return paginate(this.endpoints, { clientId }, page, presentEndpoint);
  }

  async retrieve(clientId: string, endpointId: string) {
    return presentEndpoint(await this.find(clientId, endpointId));
  }

  /** Deletes the endpoint with its deliveries (pending ones are not sent) and their history. */
  async delete(clientId: string, endpointId: string) {
    const endpoint = await this.find(clientId, endpointId);
    await this.unitOfWork.run(async () => {
      await this.txHost.tx.getRepository(WebhookAttemptEntity).delete({ endpointId: endpoint.id });
      await this.txHost.tx.getRepository(WebhookDeliveryEntity).delete({ endpointId: endpoint.id });
      await this.endpoints.delete({ id: endpoint.id });
    });
    this.subscribedEndpoints.invalidate(clientId);
    return { id: endpoint.id, object: 'webhook_endpoint' as const, deleted: true };
  }

  /** The endpoint's attempts, newest first: what the receiver answered, and when. */
  async attempts(clientId: string, endpointId: string, page: { limit: number; startingAfter?: string }) {
    const endpoint = await this.find(clientId, endpointId);
    return paginate(this.txHost.tx.getRepository(WebhookAttemptEntity), { endpointId: endpoint.id }, page, presentAttempt);
  }

  private async find(clientId: string, endpointId: string): Promise<WebhookEndpointEntity> {
    if (!isWellFormedId(endpointId)) throw new WebhookEndpointNotFoundError(endpointId);
    const endpoint = await this.endpoints.findOne({ where: { id: endpointId, clientId } });
    if (!endpoint) throw new WebhookEndpointNotFoundError(endpointId);
    return endpoint;
  }

  /** The URL's shape, then where its host resolves now (it is checked again at every delivery). */
  private async checkDestination(url: string): Promise<void> {
    const problem = urlProblem(url, this.config.allowPrivateUrls);
    if (problem) throw new ValidationFailedError(problem, 'url');
    if (this.config.allowPrivateUrls) return;
    const lookup = resolveDestination(hostOf(new URL(url)), false, systemResolver).then(
      () => undefined,
      (error: unknown) => error,
    );
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CREATION_LOOKUP_MS).unref());
    const error = await Promise.race([lookup, timeout]);
    // A name that does not resolve (yet) is accepted: deliveries are refused until it resolves to a public address.
    if (error instanceof DestinationNotAllowedError && error.reason === 'private') {
      throw new ValidationFailedError('url must not point to a loopback, private or link-local address', 'url');
    }
  }

  private get endpoints() {
    return this.txHost.tx.getRepository(WebhookEndpointEntity);
  }
}
