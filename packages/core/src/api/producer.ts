import { inspect } from 'node:util';
import { checkKnownKeys, checkOptionsObject } from './option-checks.js';
import type { Driver, OutgoingEvent } from '../driver/types.js';
import { ClosedError, EventTooLargeError } from '../errors/errors.js';
import { eventSize } from '../codec/data.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput } from '../event/types.js';
import type { Tracing } from '../tracing/otel.js';
import { PendingSend, SendBatcher } from '../portable/send-batcher.js';
import type { Receipt } from './receipt.js';

export type { Receipt } from './receipt.js';
import type { ResolvedProducerOptions } from './options.js';
import { ConfigError } from '../errors/errors.js';

const SEND_KEYS = ['delayMs'] as const;

export interface SendOptions {
  /** Delayed delivery: visible to consumers after this many ms (needs the delayed-delivery capability). */
  delayMs?: number;
}

/**
 * Sends events to one topic. Events are validated, size-checked and frozen on
 * `send` (before anything reaches the network), then batched: a batch goes out
 * when it reaches `batch.maxEvents` or `batch.maxBytes`, or after `batch.lingerMs`
 * (0 = at the end of the current tick). Batches go out one at a time, so events
 * are sent in `send` order.
 *
 * Retries: retryable failures are retried with backoff per `retry` (never in
 * at-most-once mode); after the budget `send` rejects with a retryable error.
 * `send` may be called concurrently. `close` flushes, then releases; it is idempotent.
 */
export class Producer {
  /** Held privately (with the driver): they reach the adapter's client and its credentials. */
  readonly #batcher: SendBatcher;
  readonly #driver: Driver;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly maxSize: number;
  private readonly delayedDelivery: boolean;

  constructor(
    readonly topic: string,
    driver: Driver,
    private readonly options: ResolvedProducerOptions,
    private readonly tracing: Tracing,
  ) {
    this.#driver = driver;
    this.maxSize = driver.capabilities.maxEventSize;
    this.delayedDelivery = driver.capabilities.supports('delayed-delivery');
    const sender = driver.openSender(topic, { idempotent: options.delivery === 'exactly-once' });
    sender.catch(() => undefined); // surfaced by the first send
    this.#batcher = new SendBatcher(
      topic,
      sender,
      options,
      tracing.enabled ? (batch) => this.traceEnd(batch) : undefined,
    );
  }

  /** Sends one event; resolves with its receipt once the broker acknowledged it. */
  send(event: EventInput | Event, options?: SendOptions): Promise<Receipt>;
  /**
   * Sends several events, validated all together first (one invalid event rejects the
   * call and sends nothing). Resolves with receipts in order; rejects with the first
   * final failure (the other events are still sent — check the broker, or resend: ids are kept).
   */
  send(events: readonly (EventInput | Event)[], options?: SendOptions): Promise<Receipt[]>;
  send(
    input: EventInput | Event | readonly (EventInput | Event)[],
    options: SendOptions = {},
  ): Promise<Receipt | Receipt[]> {
    if (this.closed) return Promise.reject(new ClosedError(`producer for "${this.topic}"`));
    let prepared: PendingSend[];
    try {
      checkKnownKeys(checkOptionsObject(options, 'send'), SEND_KEYS, 'send');
      const list = Array.isArray(input) ? input : [input as EventInput];
      prepared = list.map((e) => this.prepare(e, options));
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const receipts = this.#batcher.enqueue(prepared);
    return Array.isArray(input) ? receipts : receipts.then((r) => r[0]!);
  }

  /** Resolves when every event sent so far has been acknowledged or has failed. */
  flush(): Promise<void> {
    return this.#batcher.flush();
  }

  /** Flushes and releases the producer. Later sends fail with ClosedError. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.#batcher.close();
    return this.closing;
  }

  private prepare(input: EventInput | Event, options: SendOptions): PendingSend {
    const event = createEvent(input);
    const size = eventSize(event);
    if (size > this.maxSize) throw new EventTooLargeError(size, this.maxSize, event.id);
    const delayMs = options.delayMs;
    if (delayMs !== undefined) {
      if (typeof delayMs !== 'number' || !(delayMs >= 0) || !Number.isFinite(delayMs))
        throw new ConfigError(
          'delayMs',
          `must be a finite number >= 0, got ${typeof delayMs} ${String(delayMs)}`,
        );
      if (!this.delayedDelivery) {
        throw new ConfigError(
          'delayMs',
          `${this.#driver.capabilities.label} does not support delayed delivery`,
        );
      }
      const limit = this.#driver.capabilities.get('delayed-delivery').limit;
      if (limit !== undefined && delayMs > limit)
        throw new ConfigError('delayMs', `must be at most ${limit} ms on this broker`);
    }
    if (!this.tracing.enabled) return new PendingSend(event, delayMs, size);
    const traced = this.tracing.startSend(this.#driver.name, this.topic, event);
    const sent = traced.event;
    const pending = new PendingSend(sent, delayMs, sent === event ? size : eventSize(sent));
    this.spans.set(pending, traced.end);
    return pending;
  }

  toJSON(): Record<string, unknown> {
    return {
      producer: this.topic,
      broker: this.#driver.name,
      delivery: this.options.delivery,
      closed: this.closed,
    };
  }

  [inspect.custom](): string {
    return `Producer(${this.topic} on ${this.#driver.describe()})`;
  }

  private readonly spans = new WeakMap<OutgoingEvent, (error?: unknown) => void>();

  private traceEnd(batch: readonly PendingSend[]): void {
    for (const p of batch) {
      const end = this.spans.get(p);
      if (end !== undefined) end(p.error);
    }
  }
}
