import { Injectable } from '@nestjs/common';

/** Runs a multi-phase route's work for a client (`scope`) and a request body, outside HTTP. */
export type PhasedHandler = (scope: string, body: unknown) => Promise<unknown>;

/**
 * What the completer runs to finish an abandoned multi-phase key: for each route `purpose`, the
 * same function its controller calls, so a resume by the completer and one by a client retry go
 * through the same code. Register in the providing module's `onModuleInit`.
 */
@Injectable()
export class PhasedHandlers {
  private readonly handlers = new Map<string, PhasedHandler>();

  register(purpose: string, handler: PhasedHandler): void {
    if (this.handlers.has(purpose)) throw new Error(`PhasedHandlers: "${purpose}" is registered twice.`);
    this.handlers.set(purpose, handler);
  }

  get(purpose: string | null): PhasedHandler | undefined {
    return purpose === null ? undefined : this.handlers.get(purpose);
  }
}
