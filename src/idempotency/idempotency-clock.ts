import { Injectable } from '@nestjs/common';

/**
 * The module's time source for leases and expiry; tests override the provider to set the time
 * instead of recomputing "now" the way the code does. Waiting (the duplicate's bound) uses real time.
 */
@Injectable()
export class IdempotencyClock {
  now(): Date {
    return new Date();
  }
}
