/** An endpoint as the outbox needs it: where deliveries go, and which event types it takes. */
export interface EndpointSubscription {
  id: string;
  /** The endpoint's `enabled_events`: event types, or `*` for all. */
  types: ReadonlySet<string>;
}

/**
 * Each client's webhook endpoints as this process last read them, so that recording an event needs
 * no separate lookup: the outbox writes the event on the condition that the client's endpoints are
 * still exactly these (a check inside the event's `INSERT`), and reads them again only when that
 * condition fails. A stale entry therefore costs one statement more, never a missed delivery;
 * endpoint changes made in this process drop their client's entry at once, those made elsewhere are
 * found by the check. Endpoints never change once created (only deletion), so their ids tell the
 * whole list.
 *
 * Bounded: at most `capacity` clients, the least recently used dropped first.
 */
export class SubscribedEndpointsCache {
  private readonly entries = new Map<string, readonly EndpointSubscription[]>();

  constructor(private readonly capacity = 10_000) {}

  get(clientId: string): readonly EndpointSubscription[] | undefined {
    const endpoints = this.entries.get(clientId);
    if (endpoints) {
      this.entries.delete(clientId);
      this.entries.set(clientId, endpoints); // most recently used last
    }
    return endpoints;
  }

  set(clientId: string, endpoints: readonly EndpointSubscription[]): void {
    this.entries.delete(clientId);
    this.entries.set(clientId, endpoints);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** An endpoint of this client was created or deleted. */
  invalidate(clientId: string): void {
    this.entries.delete(clientId);
  }

  get size(): number {
    return this.entries.size;
  }
}
