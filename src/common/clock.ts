import { Injectable } from '@nestjs/common';

/** The application's time source; tests provide their own instead of recomputing "now" the way the code does. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
