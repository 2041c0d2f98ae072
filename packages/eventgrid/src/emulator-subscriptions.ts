import { BrokerUnavailableError, ConfigError, redactSecrets } from '@eventport/core/driver';
import type { EventGridConfig } from './config.js';

/** The service's largest maxDeliveryAttempts of a webhook subscription. */
const SERVICE_MAX_ATTEMPTS = 30;

/**
 * Event subscriptions of basic topics on the emulator (loopback only), through its admin API:
 * the topic is declared in the schema this connection publishes (CloudEvents, or Event Grid with
 * `schema=eventgrid`; an existing topic keeps its schema), then the subscription is created, or replaced when its webhook URL differs
 * (an unchanged one is kept: the emulator starts a replaced subscription empty). The
 * emulator answers after the validation handshake with this connection's push endpoint, so a
 * refused handshake (e.g. a wrong secret) fails here. Its `maxDeliveryAttempts` is the service's
 * largest, 30: EventPort decides dead-lettering by its own retry budget (answering 400); the
 * service's cap only catches events that keep coming back unanswered or answered "retry" (a
 * consumer closed or crashed, handler nacks, timeouts).
 */
export class EmulatorSubscriptions {
  constructor(private readonly config: EventGridConfig) {}

  async ensure(topic: string, subscription: string, webhook: string): Promise<void> {
    const base = `${this.config.endpoint}/admin/topics/${encodeURIComponent(topic)}`;
    await this.put(
      base,
      { inputSchema: this.config.schema === 'eventgrid' ? 'EventGridSchema' : 'CloudEventSchemaV1_0' },
      `topic "${topic}"`,
    );
    if (await this.exists(topic, subscription, webhook)) return;
    await this.put(
      `${base}/eventSubscriptions/${encodeURIComponent(subscription)}`,
      {
        endpointUrl: webhook,
        retryPolicy: { maxDeliveryAttempts: SERVICE_MAX_ATTEMPTS },
      },
      `event subscription "${subscription}" of topic "${topic}"`,
    );
  }

  /**
   * Whether the subscription already pushes to `webhook`: then it is kept, since replacing it
   * would drop the events it is still retrying (the emulator starts a replaced subscription empty).
   */
  private async exists(topic: string, subscription: string, webhook: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.config.endpoint}/admin`, {
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
      if (!res.ok) return false;
      const state = (await res.json()) as {
        topics?: { name: string; eventSubscriptions?: { name: string; endpointUrl?: string }[] }[];
      };
      const subs = state.topics?.find((t) => t.name === topic)?.eventSubscriptions ?? [];
      return subs.some((s) => s.name === subscription && s.endpointUrl === webhook);
    } catch {
      return false;
    }
  }

  private async put(url: string, body: unknown, what: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
    } catch (err) {
      throw new BrokerUnavailableError(
        `creating ${what} on the Event Grid emulator failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    if (res.status === 202 || res.status >= 300) {
      throw new ConfigError(
        res.status === 202 || /handshake|webhook|endpoint/i.test(text) ? 'pushEndpoint' : 'group',
        `the Event Grid emulator did not create ${what} (HTTP ${res.status}): ${redactSecrets(text.slice(0, 300))}`,
      );
    }
  }
}
