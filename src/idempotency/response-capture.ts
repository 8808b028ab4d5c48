import type { CallHandler } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import type { StoredResponse } from './idempotency-store';
import type { ResolvedIdempotencyOptions } from './idempotency.options';

/** A handler outcome the store must not keep: the unit of work rolls back and the error surfaces. */
export class Unstored {
  constructor(readonly error: unknown) {}
}

/** A definite decline of the handler: its writes roll back, its answer is recorded on its own. */
export class Declined {
  constructor(readonly response: StoredResponse) {}
}

/** The framework-neutral response operations of Nest's HTTP adapter (Express or Fastify). */
interface Adapter {
  status(response: unknown, statusCode: number): unknown;
  setHeader(response: unknown, name: string, value: string): unknown;
  getHeader(response: unknown, name: string): unknown;
}

/**
 * Turns what a handler answered into the bytes, status and headers that are stored and sent, so a
 * replay is the first answer to the byte: the body is serialized here, once, not by the framework.
 */
export class ResponseCapture {
  constructor(
    private readonly adapter: () => Adapter,
    private readonly options: Pick<ResolvedIdempotencyOptions, 'renderError' | 'storedHeaders'>,
  ) {}

  /** Runs the route handler and captures its answer: success, a storable decline, or neither. */
  async capture(next: CallHandler, response: unknown): Promise<{ kind: 'executed'; response: StoredResponse } | Unstored | Declined> {
    try {
      const value = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status = (response as { statusCode: number }).statusCode;
      const body = value === undefined ? '' : JSON.stringify(value);
      const headers = { ...this.keptHeaders(response), 'content-type': 'application/json; charset=utf-8' };
      return { kind: 'executed', response: { status, headers, body } };
    } catch (error) {
      const rendered = this.options.renderError(error);
      if (!rendered?.stored) return new Unstored(error);
      const own = Object.entries(rendered.headers).filter(([name]) => this.options.storedHeaders.includes(name.toLowerCase()));
      const headers = { ...this.keptHeaders(response), ...Object.fromEntries(own) };
      return new Declined({ status: rendered.status, headers, body: JSON.stringify(rendered.body) });
    }
  }

  /** Sends a stored or captured response: the same bytes, status and kept headers every time. */
  send(response: unknown, stored: StoredResponse): string {
    const adapter = this.adapter();
    adapter.status(response, stored.status);
    for (const [name, value] of Object.entries(stored.headers)) adapter.setHeader(response, name, value);
    return stored.body;
  }

  private keptHeaders(response: unknown): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const name of this.options.storedHeaders) {
      const value = this.adapter().getHeader(response, name);
      if (value !== undefined && value !== null) kept[name] = String(value);
    }
    return kept;
  }
}
