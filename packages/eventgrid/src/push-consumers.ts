import {
  ConfigError,
  PushEndpoint,
  PushReceiver,
  sharedSecretAuthenticator,
  type DriverReceiver,
  type Logger,
  type PushAuthenticator,
  type PushRequestHandler,
  type ReceiverOptions,
} from '@eventport/core/driver';
import { acquireListener, type ListenerLease } from './shared-listeners.js';
import type { EventGridConfig, PushSecrets } from './config.js';
import { eventGridPushCodec } from './push-codec.js';
import { resourceName } from './names.js';
import { EmulatorSubscriptions } from './emulator-subscriptions.js';
import { entraPushAuthenticator } from './entra-push-auth.js';

/** The query parameter that carries the shared secret on every push. */
export const SECRET_PARAM = 'secret';

/** How many events may wait for a consumer's handlers before pushes are answered "retry" (503). */
const MAX_QUEUED = 1000;

/**
 * Basic topics' consumers, on core's PushEndpoint with the Event Grid codec: the process's shared
 * listener for the `listen` address (see shared-listeners.ts), or, with `listen=off`, this
 * connection's own endpoint, which the user mounts (`raw().pushHandler`). Each consumer is a PushReceiver on `/eventgrid/{topic}/{group}`; consumers
 * of one topic and group in one process take turns (competing), other groups are other event
 * subscriptions (fan-out).
 *
 * On loopback (the emulator) a consumer creates or replaces its event subscription through the
 * emulator's admin API (after which the emulator runs the validation handshake against this
 * endpoint). On Azure, event subscriptions are control-plane (ARM) resources, so they are made by
 * the user (portal, CLI, Bicep) with the webhook URL the consumer logs (info) when it starts.
 */
export class PushConsumers {
  /** The endpoint `raw().pushHandler` serves (listen=off): this connection's consumers only. */
  readonly endpoint: PushEndpoint;
  private lease: Promise<ListenerLease> | undefined;
  private readonly subscriptions: EmulatorSubscriptions | undefined;
  private readonly secret: string | undefined;
  private readonly authenticate: PushAuthenticator | undefined;

  constructor(
    private readonly config: EventGridConfig,
    push: PushSecrets,
    private readonly logger: Logger,
  ) {
    this.secret = push.secret;
    this.authenticate = authenticatorOf(push, logger);
    this.endpoint = new PushEndpoint({ codec: eventGridPushCodec, logger });
    this.subscriptions = config.loopback ? new EmulatorSubscriptions(config) : undefined;
  }

  get handler(): PushRequestHandler {
    return this.endpoint.handle;
  }

  /** Opens a push receiver: routes it, starts the listener, creates the emulator's event subscription. */
  async open(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    if (this.authenticate === undefined) {
      throw new ConfigError(
        'pushSecret',
        'a push consumer needs pushSecret, pushEntraTenant or pushAuthenticate: an endpoint anyone can post to would run handlers for forged events',
      );
    }
    const { endpoint, base } = await this.serving();
    const topicName = resourceName(topic);
    const subscription = subscriptionName(options.group);
    const path = `/eventgrid/${encodeURIComponent(topicName)}/${encodeURIComponent(subscription)}`;
    const receiver = new PushReceiver(MAX_QUEUED);
    const unroute = endpoint.route(path, receiver, this.authenticate);
    const close = receiver.close.bind(receiver);
    receiver.close = async () => {
      unroute();
      await close();
    };
    const query = this.secret === undefined ? '' : `?${SECRET_PARAM}=${encodeURIComponent(this.secret)}`;
    try {
      if (this.subscriptions !== undefined) {
        await this.subscriptions.ensure(topicName, subscription, `${base}${path}${query}`);
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
    const lease = this.lease;
    this.lease = undefined;
    await (await lease?.catch(() => undefined))?.release();
  }

  /** The endpoint consumers are routed on and the base URL the service pushes to. */
  private async serving(): Promise<{ endpoint: PushEndpoint; base: string }> {
    const { listen, pushEndpoint, loopback } = this.config;
    if (!loopback && pushEndpoint === undefined) {
      throw new ConfigError(
        'pushEndpoint',
        "say where Event Grid reaches this process (https://…): the listener's own address is not reachable from the service",
      );
    }
    if (listen !== undefined) {
      this.lease ??= acquireListener(listen.host, listen.port, this.logger);
      this.lease.catch(() => (this.lease = undefined));
      const lease = await this.lease;
      return { endpoint: lease.endpoint, base: pushEndpoint ?? lease.url };
    }
    if (pushEndpoint === undefined) {
      throw new ConfigError(
        'pushEndpoint',
        'with listen=off, say where the service pushes to: the base URL at which your server mounts broker.raw().pushHandler',
      );
    }
    return { endpoint: this.endpoint, base: pushEndpoint };
  }
}

/**
 * The event subscription name of a group: its Event Grid resource name, lengthened to the
 * service's minimum of 3 characters (`rt` → `rt-group`).
 */
export function subscriptionName(group: string): string {
  const name = resourceName(group);
  return name.length >= 3 ? name : `${name}-group`;
}

/**
 * Every configured check of a push, all of which must pass (in order, cheapest first: the shared
 * secret, the Entra token, the user's own check), or undefined when none is configured.
 */
function authenticatorOf(push: PushSecrets, logger: Logger): PushAuthenticator | undefined {
  const { secret, entra, authenticate } = push;
  const checks: PushAuthenticator[] = [];
  if (secret !== undefined) checks.push(sharedSecretAuthenticator(SECRET_PARAM, secret));
  if (entra !== undefined) checks.push(entraPushAuthenticator(entra, logger));
  if (authenticate !== undefined) checks.push(authenticate);
  if (checks.length <= 1) return checks[0];
  return async (request) => {
    for (const check of checks) if (!(await check(request))) return false;
    return true;
  };
}
