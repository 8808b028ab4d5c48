import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { ClientThrottlerGuard } from './client-throttler.guard';
import { ClientEntity } from './client.entity';

/** API clients; the guards run in this order: authenticate, then rate-limit by client. */
@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity])],
  providers: [ApiKeysService, { provide: APP_GUARD, useClass: ApiKeyGuard }, { provide: APP_GUARD, useClass: ClientThrottlerGuard }],
  exports: [ApiKeysService],
})
export class AuthModule {}
