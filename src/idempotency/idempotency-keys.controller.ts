import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Inject, Param, Post, Req } from '@nestjs/common';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IdempotencyClock } from './idempotency-clock';
import { optionalOpenApi } from './idempotent.openapi';
import { parseIdempotencyKey } from './idempotency-key';
import { IdempotencyRecord, IdempotencyStore } from './idempotency-store';
import { IdempotencyKeyNotFoundError } from './idempotency.errors';
import type { ResolvedIdempotencyOptions } from './idempotency.options';
import { RESOLVED_IDEMPOTENCY_OPTIONS } from './resolved-options';

export class MintIdempotencyKeyDto {
  /** What the key may be used for, as named by the route's `@Idempotent({ purpose })`. */
  @optionalOpenApi('ApiPropertyOptional', { example: 'transfers.create', description: 'Bind the key to one kind of request.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z][a-z0-9_.-]*$/, { message: 'purpose must be lower-case letters, digits, dots, dashes or underscores' })
  purpose?: string;
}

/** Lets a client ask the server for a fresh key before calling, and look one of its keys up. */
@optionalOpenApi('ApiTags', 'idempotency-keys')
@optionalOpenApi('ApiBearerAuth')
@Controller('v1/idempotency-keys')
export class IdempotencyKeysController {
  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    private readonly clock: IdempotencyClock,
    @Inject(RESOLVED_IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  @Post()
  @optionalOpenApi('ApiOperation', { summary: 'Mint a fresh random key (UUIDv4), optionally bound to a purpose' })
  async mint(@Req() request: unknown, @Body() body: MintIdempotencyKeyDto) {
    const now = this.clock.now();
    const record = {
      scope: this.scopeOf(request),
      key: randomUUID(),
      purpose: body.purpose ?? null,
      now,
      expiresAt: new Date(now.getTime() + this.options.ttlSeconds * 1000),
    };
    await this.store.mint(record);
    return { object: 'idempotency_key', key: record.key, purpose: record.purpose, expires_at: record.expiresAt.toISOString() };
  }

  @Get(':key')
  @optionalOpenApi('ApiOperation', { summary: 'Inspect one of your keys: status, purpose, method, path, response_status' })
  async retrieve(@Req() request: unknown, @Param('key') rawKey: string) {
    const key = parseIdempotencyKey(rawKey, 'key');
    const record = await this.store.find(this.scopeOf(request), key);
    if (!record || record.expiresAt <= this.clock.now()) throw new IdempotencyKeyNotFoundError();
    return present(record);
  }

  private scopeOf(request: unknown): string {
    const scope = this.options.scope(request);
    if (!scope) throw new Error('IdempotencyModule: the scope resolver found no client; authenticate /v1/idempotency-keys.');
    return scope;
  }
}

function present(record: IdempotencyRecord) {
  return {
    object: 'idempotency_key',
    key: record.key,
    status: record.status,
    purpose: record.purpose,
    method: record.method,
    path: record.path,
    response_status: record.response?.status ?? null,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
  };
}
