import type { Event, EventInput } from '../event/types.js';

/**
 * What a handler (or an async-iteration loop) gets with each event. Settling is
 * idempotent: the first of ack / nack / deadLetter wins and later calls are
 * no-ops. A handler that settles nothing is settled by its outcome:
 * resolve = ack, throw = retry per policy, then dead-letter.
 */
export interface Delivery {
  readonly event: Event;
  /**
   * The handler attempt: 1 for the first, then 2, 3, … It counts the times a handler ran on this
   * event, not the broker's receives (receives no handler saw are left out); the retry budget and
   * the dead-letter decision count the same. EventPort's own count on log brokers.
   */
  readonly attempt: number;
  readonly partition: string | undefined;
  readonly offset: number | undefined;
  /** Aborted when the subscription is closing and the drain deadline passed: stop work and return. */
  readonly signal: AbortSignal;
  /** Acknowledges the event now. */
  ack(): Promise<void>;
  /** Rejects the event: it is redelivered after `delayMs` (default: the retry policy's backoff). */
  nack(options?: { delayMs?: number }): Promise<void>;
  /** Moves the event to the dead-letter destination with `reason`. */
  deadLetter(reason: string): Promise<void>;
  /** Extends the event's lease (visibility timeout) by `ms` from now. A no-op where leases do not exist. */
  extendLease(ms: number): Promise<void>;
  /**
   * Sends events to `topic` as part of handling this one (consume-transform-produce). They are
   * published only if the handler succeeds, before the event is acknowledged (a failed publish
   * is a failed attempt), and discarded if it fails. Where the broker commits consumption and
   * production atomically (Kafka, delivery "exactly-once": one transaction with the consumed
   * offset), they become visible exactly once, together with the acknowledgement. Resolves once
   * the events are validated and queued; rejects with InvalidEventError / EventTooLargeError.
   */
  send(topic: string, events: EventInput | Event | readonly (EventInput | Event)[]): Promise<void>;
}

/** The former name of {@link Delivery} (a handler's second argument). @deprecated use Delivery. */
export type DeliveryContext = Delivery;
