import {
  EventHubConsumerClient,
  EventHubProducerClient,
  type CheckpointStore,
  type EventHubClientOptions,
  type EventHubConsumerClientOptions,
} from '@azure/event-hubs';
import {
  ClosedError,
  consoleLogger,
  type CapabilityReport,
  type Driver,
  type DriverFactory,
  type DriverReceiver,
  type DriverSender,
  type Logger,
  type ReceiverOptions,
  type SenderOptions,
} from '@eventport/core/driver';
import { eventHubsCapabilities } from './capabilities.js';
import { openCheckpointStore } from './checkpoints.js';
import { parseEventHubsConfig, type EventHubsConfig } from './config.js';
import { mapEventHubsError } from './errors.js';
import { attachClientLogs } from './logs.js';
import { EventHubsReceiver } from './receiver.js';
import { EventHubsSender } from './sender.js';

/** What `raw()` gives: the native clients, created on demand. */
export interface EventHubsNative {
  /** The shared producer client of a hub (retryOptions.maxRetries 0). */
  producer(hub: string): EventHubProducerClient;
  /** The blob checkpoint store consumers use (needs a storage connection string). */
  checkpointStore(): Promise<CheckpointStore>;
}

/**
 * The driver behind `eventhubs://NAMESPACE_HOST/HUB`: an EventHubProducerClient per hub (shared by
 * the connection's senders, no client retries), and a load-balancing EventHubConsumerClient per
 * receiver over one blob checkpoint store. Topics name hubs; EventPort does not create hubs
 * (Event Hubs has no data-plane API for that; the emulator creates them on first use).
 */
export class EventHubsDriver implements Driver {
  readonly name = 'eventhubs';
  readonly capabilities: CapabilityReport;
  readonly #config: EventHubsConfig;
  readonly #logger: Logger;
  readonly #producers = new Map<string, EventHubProducerClient>();
  readonly #receivers = new Set<EventHubsReceiver>();
  readonly #senders = new Set<DriverSender>();
  readonly #knownHubs = new Map<string, Promise<void>>();
  #store: Promise<CheckpointStore> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #detachLogs: () => void;

  constructor(config: EventHubsConfig, logger: Logger = consoleLogger()) {
    this.#config = config;
    this.#logger = logger;
    this.capabilities = eventHubsCapabilities(config.maxEventSize);
    this.#detachLogs = attachClientLogs(logger);
  }

  describe(): string {
    return this.#config.describe();
  }

  toString(): string {
    return `EventHubsDriver(${this.describe()})`;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, target: this.describe() };
  }

  async openSender(topic: string, _options: SenderOptions): Promise<DriverSender> {
    this.#assertOpen();
    await this.#ensureHub(topic);
    const sender = new EventHubsSender(() => this.#producer(topic), topic, this.#config.maxEventSize);
    this.#senders.add(sender);
    return sender;
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.#assertOpen();
    const store = await this.#checkpointStore();
    this.#assertOpen();
    const config = this.#config;
    const clientOptions: EventHubConsumerClientOptions = {
      ...this.#clientOptions(3),
      loadBalancingOptions: {
        strategy: config.loadBalancingStrategy,
        updateIntervalInMs: config.loadBalancingIntervalMs,
        partitionOwnershipExpirationIntervalInMs: config.ownershipExpirationMs,
      },
    };
    const cs = config.connectionString();
    const credential = config.credential();
    const client =
      cs !== undefined
        ? new EventHubConsumerClient(options.group, cs, topic, store, clientOptions)
        : new EventHubConsumerClient(options.group, config.host, topic, credential!, store, clientOptions);
    let receiver: EventHubsReceiver;
    try {
      receiver = await EventHubsReceiver.open({
        client,
        store,
        config,
        hub: topic,
        options,
        logger: this.#logger,
      });
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await receiver.close();
      throw new ClosedError(this.describe());
    }
    this.#receivers.add(receiver);
    return receiver;
  }

  readonly #native: EventHubsNative = Object.freeze({
    producer: (hub: string) => this.#producer(hub),
    checkpointStore: () => this.#checkpointStore(),
  });

  /** The native clients (escape hatch): the same object on every call. */
  raw(): EventHubsNative {
    return this.#native;
  }

  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#receivers].map((r) => r.close()));
    await Promise.allSettled([...this.#senders].map((s) => s.close()));
    await Promise.allSettled([...this.#producers.values()].map((p) => p.close()));
    this.#producers.clear();
    this.#detachLogs();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.describe());
  }

  #clientOptions(maxRetries: number): EventHubClientOptions {
    return {
      retryOptions: { maxRetries, retryDelayInMs: 200, maxRetryDelayInMs: 2_000, timeoutInMs: 30_000 },
    };
  }

  /** The hub's producer client: no client retries, EventPort's retry policy is the only one. */
  #producer(hub: string): EventHubProducerClient {
    this.#assertOpen();
    let p = this.#producers.get(hub);
    if (p === undefined) {
      const cs = this.#config.connectionString();
      const options = this.#clientOptions(0);
      p =
        cs !== undefined
          ? new EventHubProducerClient(cs, hub, options)
          : new EventHubProducerClient(this.#config.host, hub, this.#config.credential()!, options);
      this.#producers.set(hub, p);
    }
    return p;
  }

  /** Checks once per hub that it exists and the credentials work (the management link). */
  #ensureHub(hub: string): Promise<void> {
    let known = this.#knownHubs.get(hub);
    if (known === undefined) {
      known = this.#producer(hub)
        .getEventHubProperties()
        .then(
          () => undefined,
          (err: unknown) => {
            this.#knownHubs.delete(hub);
            throw mapEventHubsError(err, `looking up hub "${hub}"`, hub);
          },
        );
      this.#knownHubs.set(hub, known);
    }
    return known;
  }

  #checkpointStore(): Promise<CheckpointStore> {
    this.#store ??= openCheckpointStore(this.#config).catch((err: unknown) => {
      this.#store = undefined;
      throw err;
    });
    return this.#store;
  }
}

/** Registered for the `eventhubs` scheme. */
export const eventHubsDriverFactory: DriverFactory = {
  scheme: 'eventhubs',
  packageName: '@eventport/eventhubs',
  create: (url, options, context) => {
    const { logger, ...rest } = options as { logger?: Logger } & Record<string, unknown>;
    return new EventHubsDriver(parseEventHubsConfig(url, rest), isLogger(logger) ? logger : context?.logger);
  },
};

function isLogger(v: unknown): v is Logger {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Logger).warn === 'function' &&
    typeof (v as Logger).debug === 'function'
  );
}
