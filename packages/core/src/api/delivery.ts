import { eventSize } from '../codec/data.js';
import type { ReceivedMessage, StagedOutput } from '../driver/types.js';
import { ConfigError, EventTooLargeError } from '../errors/errors.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput } from '../event/types.js';
import { backoffDelay } from '../portable/backoff.js';
import type { ContextShared } from './delivery-context.js';

/**
 * What a handler (or an async-iteration loop) gets with each event. Settling is
 * idempotent: the first of ack / nack / deadLetter wins and later calls are
 * no-ops. A handler that settles nothing is settled by its outcome:
 * resolve = ack, throw = retry per policy, then dead-letter.
 */
export interface DeliveryContext {
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

/** An event delivered through async iteration: the same contract as {@link DeliveryContext}. */
export type Delivery = DeliveryContext;

/**
 * The portable layer's bookkeeping for one received message, which is also the
 * DeliveryContext handed to its handler (one object per delivery; the context
 * methods live on the prototype, so there are no closures per event). Settling is
 * idempotent through the Settler; `beforeAck` (the idempotent consumer's record
 * step) runs before an explicit ack.
 */
export class InFlight implements DeliveryContext {
  /** Set once settled (acked, nacked, dead-lettered, or released at close). */
  settled = false;
  /** In-place retries done by EventPort (log brokers). */
  localRetries = 0;
  /** Lease deadline (ms since epoch) while a lease keeper watches it. */
  leaseUntil = 0;
  /** A nack requested by the handler on a broker without native nack: retried in place. */
  nackDelayMs: number | undefined = undefined;
  /** Events the current attempt sent with ctx.send (published on success, dropped on failure). */
  outputs: StagedOutput[] | undefined = undefined;
  /** The idempotent consumer's record step of the current attempt (run before an explicit ack). */
  beforeAck: (() => unknown) | undefined = undefined;

  constructor(
    readonly message: ReceivedMessage,
    /** What every delivery of the subscription shares (needed only by the context methods). */
    private readonly shared?: ContextShared,
  ) {}

  get attempt(): number {
    return this.message.deliveryCount + this.localRetries;
  }

  // ---- DeliveryContext ------------------------------------------------------------------------

  get event(): Event {
    return this.message.event;
  }

  get partition(): string | undefined {
    return this.message.partition;
  }

  get offset(): number | undefined {
    return this.message.offset;
  }

  get signal(): AbortSignal {
    return this.context().signal;
  }

  async ack(): Promise<void> {
    const shared = this.context();
    if (!this.settled && this.outputs !== undefined) {
      return shared.publishAndAck(this, this.beforeAck);
    }
    if (!this.settled) await this.beforeAck?.();
    await shared.settler.ack(this);
  }

  send(topic: string, events: EventInput | Event | readonly (EventInput | Event)[]): Promise<void> {
    try {
      const shared = this.context();
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new ConfigError('topic', 'ctx.send needs a topic name');
      }
      const list = (Array.isArray(events) ? events : [events]) as readonly (EventInput | Event)[];
      const prepared = list.map((input) => {
        const event = createEvent(input);
        const size = eventSize(event);
        if (size > shared.maxEventSize) throw new EventTooLargeError(size, shared.maxEventSize, event.id);
        return event;
      });
      if (prepared.length > 0) (this.outputs ??= []).push({ topic, events: prepared });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  nack(options?: { delayMs?: number }): Promise<void> {
    const shared = this.context();
    const delay = options?.delayMs ?? backoffDelay(shared.retry, this.attempt);
    if (shared.receiver.nack !== undefined) return shared.settler.nack(this, delay);
    this.nackDelayMs = delay; // no native nack: the engine retries in place after the handler returns
    return Promise.resolve();
  }

  async deadLetter(reason: string): Promise<void> {
    const shared = this.context();
    if (this.settled) return;
    shared.stats.deadLettered++;
    await shared.settler.deadLetter(this, reason);
  }

  async extendLease(ms: number): Promise<void> {
    const { receiver } = this.context();
    if (receiver.extendLease === undefined) return;
    const started = Date.now();
    await receiver.extendLease(this.message, ms);
    this.leaseUntil = started + ms; // only once the broker took it (the lease keeper goes by it)
  }

  private context(): ContextShared {
    if (this.shared === undefined) throw new Error('this delivery is not attached to a consumer');
    return this.shared;
  }
}
