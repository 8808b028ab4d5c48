import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';

/** What every feature module may inject: the clock. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class CommonModule {}
