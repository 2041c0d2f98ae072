import {
  ConfigError,
  PushEndpoint,
  PushReceiver,
  sharedSecretAuthenticator,
  startPushListener,
  type DriverReceiver,
  type Logger,
  type PushAuthenticator,
  type PushListener,
  type PushRequestHandler,
  type ReceiverOptions,
} from '@eventport/core/driver';
import type { EventGridConfig, PushSecrets } from './config.js';
import { eventGridPushCodec } from './push-codec.js';
import { resourceName } from './names.js';
import { EmulatorSubscriptions } from './emulator-subscriptions.js';

/** The query parameter that carries the shared secret on every push. */
export const SECRET_PARAM = 'secret';

/** How many events may wait for a consumer's handlers before pushes are answered "retry" (503). */
const MAX_QUEUED = 1000;

/**
 * Basic topics' consumers: one push endpoint per connection (core's PushEndpoint with the Event
 * Grid codec), served by a standalone listener (`listen`) or mounted by the user
 * (`raw().pushHandler`). Each consumer is a PushReceiver on `/eventgrid/{topic}/{group}`; consumers
 * of one topic and group in one process take turns (competing), other groups are other event
 * subscriptions (fan-out).
 *
 * On loopback (the emulator) a consumer creates or replaces its event subscription through the
 * emulator's admin API (after which the emulator runs the validation handshake against this
 * endpoint). On Azure, event subscriptions are control-plane (ARM) resources, so they are made by
 * the user (portal, CLI, Bicep) with the webhook URL `webhookUrl(topic, group)` prints in the log.
 */
export class PushConsumers {
  readonly endpoint: PushEndpoint;
  private listener: Promise<PushListener> | undefined;
  private readonly subscriptions: EmulatorSubscriptions | undefined;
  private readonly secret: string | undefined;
  private readonly authenticated: boolean;

  constructor(
    private readonly config: EventGridConfig,
    push: PushSecrets,
    private readonly logger: Logger,
  ) {
    this.secret = push.secret;
    this.authenticated = push.secret !== undefined || push.authenticate !== undefined;
    this.endpoint = new PushEndpoint({
      codec: eventGridPushCodec,
      authenticate: authenticatorOf(push),
      logger,
    });
    this.subscriptions = config.loopback ? new EmulatorSubscriptions(config) : undefined;
  }

  get handler(): PushRequestHandler {
    return this.endpoint.handle;
  }

  /** Opens a push receiver: routes it, starts the listener, creates the emulator's event subscription. */
  async open(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    if (!this.authenticated) {
      throw new ConfigError(
        'pushSecret',
        'a push consumer needs pushSecret (or pushAuthenticate): an endpoint anyone can post to would run handlers for forged events',
      );
    }
    const base = await this.baseUrl();
    const path = `/eventgrid/${encodeURIComponent(resourceName(topic))}/${encodeURIComponent(resourceName(options.group))}`;
    const receiver = new PushReceiver(MAX_QUEUED);
    const unroute = this.endpoint.route(path, receiver);
    const close = receiver.close.bind(receiver);
    receiver.close = async () => {
      unroute();
      await close();
    };
    const webhook = `${base}${path}${this.secret === undefined ? '' : `?${SECRET_PARAM}=${encodeURIComponent(this.secret)}`}`;
    try {
      if (this.subscriptions !== undefined) {
        await this.subscriptions.ensure(resourceName(topic), resourceName(options.group), webhook, options);
      } else {
        this.logger.info('eventgrid: push consumer ready; the event subscription must point at its webhook', {
          topic,
          group: options.group,
          webhook: `${base}${path}${this.secret === undefined ? '' : `?${SECRET_PARAM}=…`}`,
        });
      }
    } catch (err) {
      await receiver.close();
      throw err;
    }
    return receiver;
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await (await listener?.catch(() => undefined))?.close();
  }

  private async baseUrl(): Promise<string> {
    const { listen, pushEndpoint } = this.config;
    if (listen !== undefined) {
      this.listener ??= startPushListener(this.endpoint.handle, listen.host, listen.port);
      this.listener.catch(() => (this.listener = undefined));
      const listener = await this.listener;
      return pushEndpoint ?? listener.url;
    }
    if (pushEndpoint === undefined) {
      throw new ConfigError(
        'pushEndpoint',
        'with listen=off, say where the service pushes to: the base URL at which your server mounts broker.raw().pushHandler',
      );
    }
    return pushEndpoint;
  }
}

function authenticatorOf(push: PushSecrets): PushAuthenticator | undefined {
  const { secret, authenticate } = push;
  const bySecret = secret === undefined ? undefined : sharedSecretAuthenticator(SECRET_PARAM, secret);
  if (bySecret === undefined) return authenticate;
  if (authenticate === undefined) return bySecret;
  return async (request) => bySecret(request) && (await authenticate(request));
}
