import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { ClientEntity } from './client.entity';

export interface AuthenticatedClient {
  id: string;
  name: string;
}

function hashKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/**
 * API keys are random 192-bit secrets, so a plain SHA-256 of them is a safe stored form (no
 * dictionary to try) and lets a key be found by an indexed lookup. The final comparison is still
 * constant-time, so timing says nothing about how much of a hash matched.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly clock: Clock,
  ) {}

  static generateKey(): string {
    return `sk_test_${randomBytes(24).toString('base64url')}`;
  }

  async authenticate(apiKey: string): Promise<AuthenticatedClient | undefined> {
    const hash = hashKey(apiKey);
    const client = await this.clients.findOne({ where: { apiKeyHash: hash } });
    if (!client || !timingSafeEqual(Buffer.from(client.apiKeyHash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    return { id: client.id, name: client.name };
  }

  /** Creates a client for `apiKey` (a new random one when not given); returns the key to show once. */
  async createClient(name: string, apiKey = ApiKeysService.generateKey()): Promise<{ client: AuthenticatedClient; apiKey: string }> {
    const client = this.clients.create({
      id: newId('cli'),
      name,
      apiKeyHash: hashKey(apiKey),
      apiKeyPrefix: apiKey.slice(0, 12),
      createdAt: this.clock.now(),
    });
    await this.clients.insert(client);
    return { client: { id: client.id, name: client.name }, apiKey };
  }

  /** Makes sure a client with this key exists (for `BOOTSTRAP_API_KEY`); idempotent across restarts. */
  async ensureClient(name: string, apiKey: string): Promise<AuthenticatedClient> {
    return (await this.authenticate(apiKey)) ?? (await this.createClient(name, apiKey)).client;
  }

  async countClients(): Promise<number> {
    return this.clients.count();
  }

  private get clients() {
    return this.txHost.tx.getRepository(ClientEntity);
  }
}
