import type { ReceivedMessage, StagedOutput } from '../driver/types.js';
import type { Event, EventInput } from '../event/types.js';

/**
 * What a handler (or an async-iteration loop) gets with each event. Settling is
 * idempotent: the first of ack / nack / deadLetter wins and later calls are
 * no-ops. A handler that settles nothing is settled by its outcome:
 * resolve = ack, throw = retry per policy, then dead-letter.
 */
export interface DeliveryContext {
  readonly event: Event;
  /** 1 for the first delivery, then 2, 3, … (the broker's delivery count, or EventPort's own on log brokers). */
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

/** An event delivered through async iteration: the same contract as {@link DeliveryContext}. */
export type Delivery = DeliveryContext;

/** The portable layer's bookkeeping for one received message. */
export class InFlight {
  /** Set once settled (acked, nacked, dead-lettered, or released at close). */
  settled = false;
  /** In-place retries done by EventPort (log brokers). */
  localRetries = 0;
  /** Lease deadline (ms since epoch) while a lease keeper watches it. */
  leaseUntil = 0;
  /** A nack requested by the handler on a broker without native nack: retried in place. */
  nackDelayMs: number | undefined;
  /** Events the current attempt sent with ctx.send (published on success, dropped on failure). */
  outputs: StagedOutput[] | undefined;

  constructor(readonly message: ReceivedMessage) {}

  get attempt(): number {
    return this.message.deliveryCount + this.localRetries;
  }
}
