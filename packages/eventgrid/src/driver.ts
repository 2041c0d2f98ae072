import {
  ClosedError,
  silentLogger,
  UnsupportedOperationError,
  type CapabilityReport,
  type Driver,
  type DriverContext,
  type DriverFactory,
  type DriverReceiver,
  type DriverSender,
  type Logger,
  type PushRequestHandler,
  type ReceiverOptions,
  type SenderOptions,
} from '@eventport/core/driver';
import type { EventGridPublisherClient } from '@azure/eventgrid';
import { BasicPublishers } from './basic.js';
import { eventGridCapabilities, NAMESPACE_MAX_EVENTS_PER_PUBLISH } from './capabilities.js';
import { NamespaceClient } from './client.js';
import type { EventGridAuth } from './credential.js';
import { parseEventGridConfig, type EventGridConfig, type PushSecrets } from './config.js';
import { mapHttpFailure } from './errors.js';
import { resourceName } from './names.js';
import { PushConsumers } from './push-consumers.js';
import { EventGridReceiver } from './receiver.js';
import { EventGridSender, type PublishTarget } from './sender.js';
import { structuredBatch } from './structured-encoder.js';

/** What `broker.raw()` returns: the clients this connection uses. */
export interface EventGridNative {
  /** Namespace mode: the thin REST client (publish, receive, settle) with this connection's key or credential. */
  readonly namespace: NamespaceClient | undefined;
  /** Basic mode: the `EventGridPublisherClient` of a topic. */
  publisher(topic: string): EventGridPublisherClient<'CloudEvent'>;
  /** The Event Grid name of an EventPort topic or group (`orders.dlq` → `orders-dlq`). */
  resourceName(name: string): string;
  /**
   * Basic mode: the push endpoint's request handler, `(req, res)`, for Express
   * (`app.post('/eventgrid/*', h); app.options('/eventgrid/*', h)`), Fastify (`h(req.raw,
   * reply.raw)`), Next (pages API) or node:http — with `listen=off` and `pushEndpoint` set.
   * It serves every consumer of this connection by path (`/eventgrid/{topic}/{group}`).
   */
  readonly pushHandler: PushRequestHandler;
}

/** A token Event Grid could never have issued: acknowledging it checks the key and the subscription. */
const PROBE_TOKEN = 'eventport-probe';

/**
 * The driver behind `eventgrid://`: namespace topics (pull) through a thin client of the
 * namespace REST API, or basic topics (publish through the same thin client, consume by push to
 * EventPort's endpoint: see push-consumers.ts).
 */
export class EventGridDriver implements Driver {
  readonly name = 'eventgrid';
  readonly capabilities: CapabilityReport;
  readonly #namespace: NamespaceClient | undefined;
  readonly #basic: BasicPublishers | undefined;
  readonly #push: PushConsumers | undefined;
  readonly #open = new Set<{ close(): Promise<void> }>();
  #closed = false;
  #native: EventGridNative | undefined;

  constructor(
    readonly config: EventGridConfig,
    auth: EventGridAuth,
    private readonly logger: Logger,
    push: PushSecrets = { secret: undefined, authenticate: undefined },
  ) {
    this.capabilities = eventGridCapabilities(config.mode);
    if (config.mode === 'basic') {
      this.#basic = new BasicPublishers(config, auth);
      this.#push = new PushConsumers(config, push, logger);
    } else {
      this.#namespace = new NamespaceClient(config, auth);
    }
  }

  describe(): string {
    const { endpoint, topic, mode } = this.config;
    const host = endpoint.replace(/^https?:\/\//, '');
    return `eventgrid://${host}/${topic ?? ''} (${mode}, ${endpoint})`;
  }

  openSender(topic: string, _options: SenderOptions): Promise<DriverSender> {
    this.assertOpen();
    let target: PublishTarget;
    if (this.#basic !== undefined) {
      const { topic: bound, loopback } = this.config;
      if (!loopback && bound !== undefined && topic !== bound) {
        throw new UnsupportedOperationError(
          `a basic-topic connection publishes to its own topic "${bound}" only (Azure names a basic topic by its host), not to "${topic}"`,
        );
      }
      target = this.#basic.target(topic);
    } else {
      target = this.namespaceTarget(topic);
    }
    return Promise.resolve(this.track(new EventGridSender(target)));
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.assertOpen();
    if (this.#push !== undefined) {
      const receiver = await this.#push.open(topic, options);
      if (this.#closed) {
        await receiver.close();
        this.assertOpen();
      }
      return this.track(receiver);
    }
    const client = this.#namespace!;
    const name = resourceName(topic);
    const subscription = resourceName(options.group);
    // Checks the key and that the subscription exists (the emulator makes it on first use).
    const probe = await client.settle(name, subscription, 'acknowledge', [PROBE_TOKEN]);
    if (!probe.ok) {
      throw mapHttpFailure(
        probe.failure,
        'receive',
        `from event subscription "${subscription}" of topic "${name}"`,
        topic,
      );
    }
    this.assertOpen();
    return this.track(
      new EventGridReceiver(client, {
        topic: name,
        subscription,
        maxWaitTime: this.config.maxWaitTime,
        logger: this.logger,
      }),
    );
  }

  private namespaceTarget(topic: string): PublishTarget {
    const client = this.#namespace!;
    const name = resourceName(topic);
    return {
      name,
      maxEvents: NAMESPACE_MAX_EVENTS_PER_PUBLISH,
      publish: async (_events, encoded) => {
        const answer = await client.publish(name, structuredBatch(encoded));
        if (!answer.ok) throw mapHttpFailure(answer.failure, 'publish', `to topic "${name}"`, topic);
      },
    };
  }

  raw(): EventGridNative {
    const basic = this.#basic;
    const push = this.#push;
    this.#native ??= Object.freeze({
      pushHandler: ((req, res) => {
        if (push === undefined) {
          res.writeHead(404).end('this connection is not a basic-topic (push) connection');
          return;
        }
        push.handler(req, res);
      }) satisfies PushRequestHandler,
      namespace: this.#namespace,
      publisher: (topic: string) => {
        if (basic === undefined)
          throw new UnsupportedOperationError('publisher() is for basic-topic connections (mode=basic)');
        return basic.client(topic);
      },
      resourceName,
    });
    return this.#native;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#open].map((o) => o.close()));
    await this.#push?.close();
    this.#namespace?.close();
    this.#basic?.close();
    this.logger.debug('eventgrid: closed', { endpoint: this.config.endpoint });
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

/** Registered for the `eventgrid` scheme. */
export const eventGridDriverFactory: DriverFactory = {
  scheme: 'eventgrid',
  packageName: '@eventport/eventgrid',
  create: (url, options, context?: DriverContext) => {
    const { config, auth, push } = parseEventGridConfig(url, options);
    return new EventGridDriver(config, auth, context?.logger ?? silentLogger, push);
  },
};
