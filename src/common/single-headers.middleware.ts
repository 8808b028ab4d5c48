import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ValidationFailedError } from './domain-error';

/**
 * Headers a request may carry only once. Node keeps the first `Authorization` and silently drops
 * the others; which credential a client meant is then a guess, so two of them are refused.
 */
const SINGLE_HEADERS = ['authorization'];

/** Refuses, with 400 naming the header, a request that repeats a header it may carry only once. */
@Injectable()
export class SingleHeadersMiddleware implements NestMiddleware {
  use(req: IncomingMessage, _res: unknown, next: () => void): void {
    const counts = new Map<string, number>();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (SINGLE_HEADERS.includes(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    for (const [name, count] of counts) {
      if (count > 1) {
        const header = name.charAt(0).toUpperCase() + name.slice(1);
        throw new ValidationFailedError(`Send exactly one ${header} header; this request has ${count}.`, header);
      }
    }
    next();
  }
}
