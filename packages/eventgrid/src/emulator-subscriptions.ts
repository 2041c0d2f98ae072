import { BrokerUnavailableError, ConfigError, redactSecrets } from '@eventport/core/driver';
import type { EventGridConfig } from './config.js';

/** The service's largest maxDeliveryAttempts of a webhook subscription. */
const SERVICE_MAX_ATTEMPTS = 30;

/**
 * Event subscriptions of basic topics on the emulator (loopback only), through its admin API:
 * the topic is declared in the schema this connection publishes (CloudEvents, or Event Grid with
 * `schema=eventgrid`; an existing topic keeps its schema), then the subscription is put: created,
 * replaced when its webhook URL differs, kept as it is when unchanged (the emulator answers an
 * unchanged PUT without touching it, so the events it is still retrying stay; it never shows a
 * webhook URL's query, where the secret is, so the adapter cannot compare it itself). The
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
    await this.put(
      `${base}/eventSubscriptions/${encodeURIComponent(subscription)}`,
      {
        endpointUrl: webhook,
        retryPolicy: { maxDeliveryAttempts: SERVICE_MAX_ATTEMPTS },
      },
      `event subscription "${subscription}" of topic "${topic}"`,
    );
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
