import { eventSize } from '../codec/data.js';
import type { DriverReceiver, ReceivedMessage, StagedOutput } from '../driver/types.js';
import { ConfigError, EventTooLargeError } from '../errors/errors.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput } from '../event/types.js';
import type { Delivery } from '../api/delivery.js';
import type { ConsumerStats } from '../api/handler.js';
import { backoffDelay, type RetryPolicy } from './backoff.js';

/** How a delivery settles itself (the subscription's Settler). */
export interface DeliverySettler {
  ack(delivery: TrackedDelivery): Promise<void>;
  nack(delivery: TrackedDelivery, delayMs: number): Promise<void>;
  deadLetter(delivery: TrackedDelivery, reason: string): Promise<void>;
}

/** What every delivery of one subscription shares (one object per subscription, not per event). */
export interface DeliveryShared {
  readonly settler: DeliverySettler;
  readonly receiver: DriverReceiver;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  readonly stats: ConsumerStats;
  /** The broker's largest event (send checks outputs against it). */
  readonly maxEventSize: number;
  /** Publishes the outputs of `delivery` (its send), records it (`beforeAck`), acks; rejects if publishing fails. */
  readonly publishAndAck: (
    delivery: TrackedDelivery,
    beforeAck: (() => unknown) | undefined,
  ) => Promise<void>;
}

/**
 * The portable layer's bookkeeping for one received message, which is also the
 * Delivery handed to its handler (one object per delivery; the context
 * methods live on the prototype, so there are no closures per event). Settling is
 * idempotent through the Settler; `beforeAck` (the idempotent consumer's record
 * step) runs before an explicit ack.
 */
export class TrackedDelivery implements Delivery {
  /** Set once settled (acked, nacked, dead-lettered, or released at close). */
  settled = false;
  /** A handler ran on this delivery (an attempt was used). */
  handled = false;
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
  /** The last lease change asked for (they run one at a time, see {@link inLeaseOrder}). */
  private lastLeaseChange: Promise<unknown> | undefined = undefined;

  constructor(
    readonly message: ReceivedMessage,
    /** What every delivery of the subscription shares (needed only by the context methods). */
    private readonly shared?: DeliveryShared,
  ) {}

  get attempt(): number {
    return this.message.deliveryCount + this.localRetries;
  }

  // ---- Delivery ------------------------------------------------------------------------

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
    await this.inLeaseOrder(() => receiver.extendLease!(this.message, ms));
    this.leaseUntil = started + ms; // only once the broker took it (the lease keeper goes by it)
  }

  /**
   * Runs a lease change of this delivery after the ones asked before it (the lease keeper's
   * renewals and the handler's `extendLease` both go through here): a broker applies concurrent
   * requests in any order, so a renewal sent earlier could otherwise land after, and cut short,
   * a longer extension asked later. A failed change does not stop the next one.
   */
  inLeaseOrder(change: () => Promise<void>): Promise<void> {
    const earlier = this.lastLeaseChange;
    const p = earlier === undefined ? change() : earlier.then(change);
    this.lastLeaseChange = p.catch(() => undefined);
    return p;
  }

  private context(): DeliveryShared {
    if (this.shared === undefined) throw new Error('this delivery is not attached to a consumer');
    return this.shared;
  }
}
