import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { GaleraHealthIndicator } from './galera.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [GaleraHealthIndicator],
})
export class HealthModule {}
