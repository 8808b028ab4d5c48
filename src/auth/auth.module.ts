import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { ApiKeyCache } from './api-key.cache';
import { ApiKeyEntity } from './api-key.entity';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { ClientKeysService } from './client-keys.service';
import { ClientThrottlerGuard } from './client-throttler.guard';
import { KeyUsageRecorder } from './key-usage.recorder';
import { ReadOnlyKeyGuard } from './read-only-key.guard';
import { ClientEntity } from './client.entity';

/** API clients and their keys; the guards run in this order: authenticate, rate-limit by client, refuse writes to read-only keys. */
@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, ApiKeyEntity])],
  providers: [
    ApiKeysService,
    ClientKeysService,
    KeyUsageRecorder,
    {
      provide: ApiKeyCache,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => new ApiKeyCache(config.getOrThrow<AppConfig>('app').apiKeyCacheTtlMs),
    },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: ClientThrottlerGuard },
    { provide: APP_GUARD, useClass: ReadOnlyKeyGuard },
  ],
  exports: [ApiKeysService, ClientKeysService],
})
export class AuthModule {}
