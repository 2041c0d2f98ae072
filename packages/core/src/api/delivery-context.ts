import type { DriverReceiver } from '../driver/types.js';
import { eventSize } from '../codec/data.js';
import { ConfigError, EventTooLargeError } from '../errors/errors.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput } from '../event/types.js';
import { backoffDelay, type RetryPolicy } from '../portable/backoff.js';
import type { ConsumerStats } from './consumer-engine.js';
import type { DeliveryContext, InFlight } from './delivery.js';
import type { Settler } from './settler.js';

/** What every context of one subscription shares (one object per subscription, not per event). */
export interface ContextShared {
  readonly settler: Settler;
  readonly receiver: DriverReceiver;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  readonly stats: ConsumerStats;
  /** The broker's largest event (ctx.send checks outputs against it). */
  readonly maxEventSize: number;
  /** Publishes the outputs of `rec` (ctx.send), records it (`beforeAck`), acks; rejects if publishing fails. */
  readonly publishAndAck: (rec: InFlight, beforeAck: (() => unknown) | undefined) => Promise<void>;
}

/**
 * The DeliveryContext handed to a handler: a small object per delivery whose
 * methods live on the prototype (no closures per event). Settling is
 * idempotent through the Settler; `beforeAck` (the idempotent consumer's record
 * step) runs before an explicit ack.
 */
export class HandlerContext implements DeliveryContext {
  constructor(
    private readonly shared: ContextShared,
    private readonly rec: InFlight,
    private readonly beforeAck: (() => unknown) | undefined,
  ) {}

  get event(): Event {
    return this.rec.message.event;
  }

  get attempt(): number {
    return this.rec.attempt;
  }

  get partition(): string | undefined {
    return this.rec.message.partition;
  }

  get offset(): number | undefined {
    return this.rec.message.offset;
  }

  get signal(): AbortSignal {
    return this.shared.signal;
  }

  async ack(): Promise<void> {
    if (!this.rec.settled && this.rec.outputs !== undefined) {
      return this.shared.publishAndAck(this.rec, this.beforeAck);
    }
    if (!this.rec.settled) await this.beforeAck?.();
    await this.shared.settler.ack(this.rec);
  }

  send(topic: string, events: EventInput | Event | readonly (EventInput | Event)[]): Promise<void> {
    try {
      if (typeof topic !== 'string' || topic.length === 0) {
        throw new ConfigError('topic', 'ctx.send needs a topic name');
      }
      const list = (Array.isArray(events) ? events : [events]) as readonly (EventInput | Event)[];
      const prepared = list.map((input) => {
        const event = createEvent(input);
        const size = eventSize(event);
        if (size > this.shared.maxEventSize)
          throw new EventTooLargeError(size, this.shared.maxEventSize, event.id);
        return event;
      });
      if (prepared.length > 0) (this.rec.outputs ??= []).push({ topic, events: prepared });
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  nack(options?: { delayMs?: number }): Promise<void> {
    const delay = options?.delayMs ?? backoffDelay(this.shared.retry, this.rec.attempt);
    if (this.shared.receiver.nack !== undefined) return this.shared.settler.nack(this.rec, delay);
    this.rec.nackDelayMs = delay; // no native nack: the engine retries in place after the handler returns
    return Promise.resolve();
  }

  async deadLetter(reason: string): Promise<void> {
    if (this.rec.settled) return;
    this.shared.stats.deadLettered++;
    await this.shared.settler.deadLetter(this.rec, reason);
  }

  async extendLease(ms: number): Promise<void> {
    const { receiver } = this.shared;
    if (receiver.extendLease === undefined) return;
    this.rec.leaseUntil = Date.now() + ms;
    await receiver.extendLease(this.rec.message, ms);
  }
}
