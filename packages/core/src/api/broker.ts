import { inspect } from 'node:util';
import type { Driver } from '../driver/types.js';
import { ClosedError, UnsupportedOperationError } from '../errors/errors.js';
import type { CapabilityReport } from '../guarantees/capability-report.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import { consoleLogger, type Logger } from '../logging/logger.js';
import type { Tracing } from '../tracing/otel.js';
import { Consumer, defaultStore } from './consumer.js';
import {
  resolveConsumerOptions,
  resolveProducerOptions,
  type ConsumerOptions,
  type ProducerOptions,
} from './options.js';
import { Producer } from './producer.js';
import type { Subscription } from './subscription.js';

export interface BrokerOptions {
  logger?: Logger;
  /** Idempotency store shared by this broker's exactly-once consumers (default: in-memory). */
  idempotencyStore?: IdempotencyStore;
}

/**
 * A connection to one broker through its adapter. Producers and consumers are
 * created synchronously: guarantees named in `require` (and implied by the
 * delivery mode) are checked right there, so a consumer that asks for what the
 * broker cannot give fails at creation with UnsupportedGuaranteeError.
 * `close()` closes every producer and consumer created here, then the driver.
 */
export class Broker {
  private readonly producers = new Set<Producer>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;
  private readonly logger: Logger;
  private readonly sharedStore: () => IdempotencyStore;

  /** Held privately: drivers keep credentials, which must not be reachable by inspection. */
  readonly #driver: Driver;

  constructor(
    driver: Driver,
    private readonly tracing: Tracing,
    options: BrokerOptions = {},
  ) {
    this.#driver = driver;
    this.logger = options.logger ?? consoleLogger();
    const fallback = defaultStore();
    this.sharedStore = options.idempotencyStore !== undefined ? () => options.idempotencyStore! : fallback;
  }

  /** Broker name ("memory", "kafka", …). */
  get name(): string {
    return this.#driver.name;
  }

  /** What this broker honours in this configuration. */
  get capabilities(): CapabilityReport {
    return this.#driver.capabilities;
  }

  producer(topic: string, options: ProducerOptions = {}): Producer {
    this.assertOpen();
    const resolved = resolveProducerOptions(topic, options);
    this.#driver.capabilities.assert(resolved.required);
    const producer = new Producer(topic, this.#driver, resolved, this.tracing);
    this.producers.add(producer);
    return producer;
  }

  consumer(topic: string, options: ConsumerOptions = {}): Consumer {
    this.assertOpen();
    const resolved = resolveConsumerOptions(topic, options);
    this.#driver.capabilities.assert(resolved.required);
    const store = options.idempotencyStore;
    return new Consumer(
      topic,
      this.#driver,
      resolved,
      this.tracing,
      options.logger ?? this.logger,
      (dlq) => this.producer(dlq),
      store !== undefined ? () => store : this.sharedStore,
      options.signal,
      (sub) => {
        this.subscriptions.add(sub);
        void sub.done.catch(() => undefined).finally(() => this.subscriptions.delete(sub));
      },
      () => this.closed,
    );
  }

  /** Creates a topic (administration). */
  async createTopic(topic: string, options?: { partitions?: number }): Promise<void> {
    this.assertOpen();
    if (this.#driver.createTopic === undefined) {
      throw new UnsupportedOperationError(
        `${this.#driver.name} does not support topic administration through EventPort`,
      );
    }
    await this.#driver.createTopic(topic, options);
  }

  /** Deletes a topic (administration). */
  async deleteTopic(topic: string): Promise<void> {
    this.assertOpen();
    await this.#driver.deleteTopic?.(topic);
  }

  /** The native client (typed by the caller): the escape hatch for what EventPort does not cover. */
  raw<T = unknown>(): T {
    return this.#driver.raw() as T;
  }

  /** Closes every subscription (with drain) and producer, then the driver. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    await this.#driver.close();
  }

  toString(): string {
    return `Broker(${this.#driver.describe()})`;
  }

  /** What `JSON.stringify` shows: the redacted description, never the driver or its config. */
  toJSON(): Record<string, unknown> {
    return { broker: this.#driver.name, connection: this.#driver.describe(), closed: this.closed };
  }

  /** What `util.inspect` and `console.log` show (same as toJSON). */
  [inspect.custom](): string {
    return this.toString();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(`broker ${this.#driver.describe()}`);
  }
}
