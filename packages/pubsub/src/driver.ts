import { PubSub, v1 } from '@google-cloud/pubsub';
import {
  ClosedError,
  type CapabilityReport,
  type Driver,
  type DriverFactory,
  type DriverReceiver,
  type DriverSender,
  type ReceiverOptions,
  type SenderOptions,
} from '@eventport/core/driver';
import { DELIVERY_ATTEMPTS_MARGIN, pubsubCapabilities, variantOf } from './capabilities.js';
import { parsePubSubConfig, type PubSubConfig } from './config.js';
import { mapPubSubError } from './errors.js';
import { PubSubReceiver, type DeadLetterPublish } from './receiver.js';
import { Resources } from './resources.js';
import { publishOptions, PubSubSender } from './sender.js';
import { checkStartPosition } from './start-position.js';
import { encodeMessage, plainSource } from './wire.js';

/** Pub/Sub's dead-letter policy takes 5-100 delivery attempts. */
const MIN_DELIVERY_ATTEMPTS = 5;
const MAX_DELIVERY_ATTEMPTS = 100;

/** What `broker.raw()` returns: the clients this connection uses. */
export interface PubSubNative {
  readonly pubsub: PubSub;
  /** The subscriber client receivers pull with (created on the first consumer). */
  subscriberClient(): Promise<v1.SubscriberClient>;
}

/**
 * The driver behind `pubsub://`: an EventPort topic is a Pub/Sub topic, a consumer group a
 * subscription (`<topic>.<group>` by default). The client and its credentials live in private
 * fields, so printing the driver shows neither.
 */
export class PubSubDriver implements Driver {
  readonly name = 'pubsub';
  readonly capabilities: CapabilityReport;
  readonly #pubsub: PubSub;
  readonly #resources: Resources;
  #subscriber: Promise<v1.SubscriberClient> | undefined;
  readonly #open = new Set<{ close(): Promise<void> }>();
  #closed = false;
  #native: PubSubNative | undefined;

  constructor(readonly config: PubSubConfig) {
    this.capabilities = pubsubCapabilities(config);
    const endpoint = config.emulatorHost ?? config.apiEndpoint;
    this.#pubsub = new PubSub({
      projectId: config.projectId,
      ...(endpoint !== undefined ? { apiEndpoint: endpoint } : {}),
      // The emulator takes no credentials: a fixed universe domain keeps Google's auth library from
      // looking for default credentials (and probing a metadata server) when the client is created.
      ...(config.emulatorHost !== undefined ? { emulatorMode: true, universeDomain: 'googleapis.com' } : {}),
      ...config.secret(),
    });
    this.#resources = new Resources(this.#pubsub, config, async (subscription, time) => {
      const client = await this.subscriberClient();
      await client.seek({ subscription, time });
    });
  }

  describe(): string {
    const c = this.config;
    const parts = [variantOf(c)];
    if (c.emulatorHost !== undefined) parts.push(`emulator ${c.emulatorHost}`);
    if (c.apiEndpoint !== undefined) parts.push(`endpoint ${c.apiEndpoint}`);
    return `pubsub://${c.projectId} (${parts.join(', ')})`;
  }

  async openSender(topic: string, _options: SenderOptions): Promise<DriverSender> {
    this.assertOpen();
    await this.#resources.ensureTopic(topic);
    this.assertOpen();
    const { ordering, publishTimeoutMs } = this.config;
    const resources = this.#resources;
    const heal = this.config.autoCreate
      ? () => {
          resources.forget(topic);
          return resources.ensureTopic(topic);
        }
      : undefined;
    return this.track(new PubSubSender(resources.topic(topic), topic, { ordering, publishTimeoutMs }, heal));
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.assertOpen();
    checkStartPosition(options.from);
    const c = this.config;
    const deadLetterTopic = options.deadLetter?.topic ?? `${topic}.dlq`;
    const spec = {
      topic,
      group: options.group,
      ackDeadlineSeconds: Math.max(10, Math.min(600, Math.ceil(options.leaseMs / 1000))),
      ordered: c.ordering && options.orderedByKey,
      exactlyOnce: c.exactlyOnce && options.delivery === 'exactly-once',
      from: options.from,
      // Always a dead-letter policy: Pub/Sub sets deliveryAttempt only with one, and competing
      // consumers need the server's count. It allows the retry budget plus a margin for
      // deliveries no handler saw, so that it never fires before EventPort's last attempt; without
      // EventPort dead-lettering 100 (the most Pub/Sub takes): only crash loops ever reach it.
      deadLetter: {
        topic: deadLetterTopic,
        maxDeliveryAttempts: Math.max(
          MIN_DELIVERY_ATTEMPTS,
          Math.min(
            MAX_DELIVERY_ATTEMPTS,
            (options.deadLetter?.maxDeliveries ?? MAX_DELIVERY_ATTEMPTS) + DELIVERY_ATTEMPTS_MARGIN,
          ),
        ),
      },
    };
    const resources = this.#resources;
    const subscription = await resources.ensureSubscription(spec);
    const client = await this.subscriberClient();
    this.assertOpen();
    return this.track(
      new PubSubReceiver(client, {
        subscription,
        subscriptionPath: this.#resources.subscriptionPath(subscription),
        source: plainSource(c.projectId, topic),
        pullConcurrency: c.pullConcurrency,
        pullTimeoutMs: c.pullTimeoutMs,
        holdBackKeys: c.ordering && options.orderedByKey,
        skipPublishedBefore: resources.startFilter(subscription),
        ackDeadlineSeconds: Math.max(10, Math.min(600, Math.ceil(options.leaseMs / 1000))),
        deadLetter: this.deadLetterPublisher(deadLetterTopic),
        heal: c.autoCreate
          ? async () => {
              resources.forget(topic, subscription);
              resources.forget(deadLetterTopic);
              // Re-created for the running group: it starts at its new creation, not at `from` again
              // (a replay of everything retained would repeat what the group had consumed).
              await resources.ensureSubscription({ ...spec, from: 'latest' });
            }
          : undefined,
      }),
    );
  }

  /** Publishes to a dead-letter topic (created on first use when allowed); no ordering key. */
  private deadLetterPublisher(name: string): DeadLetterPublish {
    const resources = this.#resources;
    const topic = resources.topic(name);
    topic.setPublishOptions(
      publishOptions({ ordering: false, publishTimeoutMs: this.config.publishTimeoutMs }),
    );
    const publish = async (data: Buffer, attributes: Record<string, string>): Promise<void> => {
      await resources.ensureTopic(name);
      try {
        await topic.publishMessage({ data, attributes });
      } catch (err) {
        throw mapPubSubError(err, `dead-letter to ${name}`, name);
      }
    };
    return {
      topic: name,
      publishEvent: (event) => {
        const m = encodeMessage(event, false);
        return publish(m.data, m.attributes);
      },
      publishRaw: (m) => publish(m.data, m.attributes),
    };
  }

  private subscriberClient(): Promise<v1.SubscriberClient> {
    this.#subscriber ??= this.#pubsub
      .getClientConfig()
      .then(
        (options) => new v1.SubscriberClient(options as ConstructorParameters<typeof v1.SubscriberClient>[0]),
      );
    this.#subscriber.catch(() => (this.#subscriber = undefined));
    return this.#subscriber;
  }

  async createTopic(topic: string): Promise<void> {
    this.assertOpen();
    await this.#resources.ensureTopic(topic);
  }

  deleteTopic(topic: string): Promise<void> {
    this.assertOpen();
    return this.#resources.deleteTopic(topic);
  }

  raw(): PubSubNative {
    this.#native ??= Object.freeze({ pubsub: this.#pubsub, subscriberClient: () => this.subscriberClient() });
    return this.#native;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#open].map((o) => o.close()));
    const subscriber = await this.#subscriber?.catch(() => undefined);
    await subscriber?.close().catch(() => undefined);
    await this.#pubsub.close().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.#closed) throw new ClosedError(this.describe());
  }

  private track<T extends { close(): Promise<void> }>(o: T): T {
    this.#open.add(o);
    const close = o.close.bind(o);
    o.close = () => {
      this.#open.delete(o);
      return close();
    };
    return o;
  }
}

/** Registered for the `pubsub` scheme. */
export const pubsubDriverFactory: DriverFactory = {
  scheme: 'pubsub',
  packageName: '@eventport/pubsub',
  create: (url, options) => new PubSubDriver(parsePubSubConfig(url, options)),
};
