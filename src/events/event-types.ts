/**
 * Every event type the API announces. `payout.*` are emitted by payouts; the others by payments.
 * Endpoints subscribe to a subset, or to `*` for all of them (including types added later).
 */
export const EVENT_TYPES = ['transfer.created', 'transfer.reversed', 'deposit.created', 'payout.paid', 'payout.failed'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Subscribes an endpoint to every type. */
export const ALL_EVENTS = '*';

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}
