import { inspect } from 'node:util';
import type { Driver } from '../driver/types.js';
import { ClosedError, ConfigError } from '../errors/errors.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../idempotency/store.js';
import type { Logger } from '../logging/logger.js';
import type { Tracing } from '../tracing/otel.js';
import { ConsumerEngine } from '../portable/consumer-engine.js';
import type { Handler } from './handler.js';
import type { Delivery } from './delivery.js';
import { DeliveryChannel } from '../portable/delivery-channel.js';
import type { ResolvedConsumerOptions } from './options.js';
import type { Producer } from './producer.js';
import { Settler } from '../portable/settler.js';
import { Subscription } from './subscription.js';

/**
 * A consumer of one topic in one group. `subscribe(handler)` runs handlers with
 * the configured concurrency and ordering; `for await (const d of consumer)`
 * yields deliveries one at a time (moving to the next acks the previous one;
 * leaving the loop gives the current one back for redelivery).
 * A Consumer can be subscribed once.
 */
export class Consumer implements AsyncIterable<Delivery> {
  private used = false;
  /** Held privately: the driver keeps credentials, which must not be reachable by inspection. */
  readonly #driver: Driver;

  constructor(
    readonly topic: string,
    driver: Driver,
    private readonly options: ResolvedConsumerOptions,
    private readonly tracing: Tracing,
    private readonly logger: Logger,
    private readonly openProducer: (topic: string) => Producer,
    private readonly idempotencyStore: ResolvedStore,
    private readonly signal: AbortSignal | undefined,
    private readonly onSubscribed: (sub: Subscription) => void = () => undefined,
    private readonly isOwnerClosed: () => boolean = () => false,
  ) {
    this.#driver = driver;
  }

  toJSON(): Record<string, unknown> {
    return { consumer: this.topic, group: this.options.group, broker: this.#driver.name };
  }

  [inspect.custom](): string {
    return `Consumer(${this.topic}, group ${this.options.group}, on ${this.#driver.describe()})`;
  }

  /**
   * Opens the receiver and starts handling events. Rejects with a typed error when
   * the topic is missing or the broker is unreachable.
   */
  async subscribe(handler: Handler): Promise<Subscription> {
    if (typeof handler !== 'function')
      throw new ConfigError('handler', `subscribe(handler) needs a function, got ${typeof handler}`);
    return this.start(handler, this.options);
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    const channel = new DeliveryChannel();
    const options = { ...this.options, concurrency: 1, maxInFlight: Math.min(this.options.maxInFlight, 32) };
    const opened = this.start(channel.handler, options);
    return channel.iterator(opened);
  }

  private async start(handler: Handler, options: ResolvedConsumerOptions): Promise<Subscription> {
    if (this.used)
      throw new ClosedError(`consumer for "${this.topic}" (already subscribed; create another consumer)`);
    this.used = true;
    const { topic } = this;
    const driver = this.#driver;
    if (this.isOwnerClosed()) throw new ClosedError(`broker ${driver.describe()}`);
    const caps = driver.capabilities;
    const nativeDeadLetter = caps.isNative('dead-letter') && options.deadLetter !== false;
    const receiver = await driver.openReceiver(topic, {
      group: options.group,
      from: options.from,
      leaseMs: options.leaseMs,
      orderedByKey: options.ordering === 'per-key',
      delivery: options.delivery,
      deadLetter:
        options.deadLetter !== false && nativeDeadLetter
          ? { topic: options.deadLetter, maxDeliveries: options.retry.attempts }
          : undefined,
    });
    if (this.isOwnerClosed()) {
      // The broker closed while the receiver was opening: give it back, start nothing.
      await receiver.close().catch(() => undefined);
      throw new ClosedError(`broker ${driver.describe()}`);
    }
    const settler = new Settler(receiver, {
      topic,
      deadLetter: options.deadLetter,
      nativeDeadLetter,
      openDeadLetterProducer: this.openProducer,
      logger: this.logger,
    });
    const emulateExactlyOnce = options.delivery === 'exactly-once' && !caps.isNative('consume.exactly-once');
    const engine = new ConsumerEngine(
      {
        topic,
        system: driver.name,
        receiver,
        settler,
        options,
        idempotency: emulateExactlyOnce ? this.idempotencyStore() : undefined,
        tracing: this.tracing,
        logger: this.logger,
        openProducer: this.openProducer,
        maxEventSize: caps.maxEventSize,
      },
      handler,
    );
    const sub = new Subscription(topic, options.group, engine, this.signal);
    this.onSubscribed(sub);
    return sub;
  }
}

/** Supplies the idempotency store (the user's, or a shared in-memory default). */
export type ResolvedStore = () => IdempotencyStore;

export function defaultStore(): ResolvedStore {
  let store: MemoryIdempotencyStore | undefined;
  return () => (store ??= new MemoryIdempotencyStore());
}
