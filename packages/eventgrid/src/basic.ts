import http from 'node:http';
import https from 'node:https';
import type { Event } from '@eventport/core';
import { AzureKeyCredential } from '@azure/core-auth';
import { EventGridPublisherClient, type CloudEvent } from '@azure/eventgrid';
import { encodeData } from '@eventport/core/driver';
import { BASIC_MAX_EVENTS_PER_PUBLISH } from './capabilities.js';
import type { EventGridConfig } from './config.js';
import { failureOf, mapHttpFailure } from './errors.js';
import type { PublishTarget } from './sender.js';
import { KEY_EXTENSION } from './wire.js';

/**
 * Basic topics: publishing through `EventGridPublisherClient` (`@azure/eventgrid`) in the
 * CloudEvents schema, which sends extension attributes (the key as `partitionkey`). The SDK
 * writes `time` as UTC with millisecond precision, and `datacontenttype: application/json` on
 * an event without one. Azure names a basic topic by its host (`https://TOPIC.REGION-1.eventgrid.azure.net/api/events`);
 * the emulator (a loopback host) by its path (`/topics/TOPIC/api/events`).
 */
export class BasicPublishers {
  readonly #credential: AzureKeyCredential;
  readonly #agent: http.Agent;
  readonly #clients = new Map<string, EventGridPublisherClient<'CloudEvent'>>();

  constructor(
    private readonly config: EventGridConfig,
    key: string,
  ) {
    this.#credential = new AzureKeyCredential(key);
    this.#agent = config.endpoint.startsWith('http:')
      ? new http.Agent({ keepAlive: true })
      : new https.Agent({ keepAlive: true });
  }

  /** The `/api/events` URL of a topic. */
  endpointOf(topic: string): string {
    return this.config.loopback
      ? `${this.config.endpoint}/topics/${encodeURIComponent(topic)}/api/events`
      : `${this.config.endpoint}/api/events`;
  }

  /** The publisher client of a topic (one per topic, made on first use). */
  client(topic: string): EventGridPublisherClient<'CloudEvent'> {
    let client = this.#clients.get(topic);
    if (client === undefined) {
      client = new EventGridPublisherClient(this.endpointOf(topic), 'CloudEvent', this.#credential, {
        allowInsecureConnection: this.config.endpoint.startsWith('http:'),
        retryOptions: { maxRetries: 0 },
        agent: this.#agent,
        userAgentOptions: { userAgentPrefix: 'eventport-eventgrid' },
      });
      this.#clients.set(topic, client);
    }
    return client;
  }

  target(topic: string): PublishTarget {
    const client = this.client(topic);
    const timeoutMs = this.config.requestTimeoutMs;
    return {
      name: topic,
      maxEvents: BASIC_MAX_EVENTS_PER_PUBLISH,
      publish: async (events) => {
        const abort = AbortSignal.timeout(timeoutMs);
        try {
          await client.send(events.map(toSdkCloudEvent), { abortSignal: abort });
        } catch (err) {
          throw mapHttpFailure(failureOf(err), 'publish', `to basic topic "${topic}"`, topic);
        }
      },
    };
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** An EventPort event as the SDK's CloudEvent (extensions and the key as extension attributes). */
export function toSdkCloudEvent(event: Event): CloudEvent<unknown> {
  const extensionAttributes: Record<string, unknown> = { ...event.extensions };
  if (event.key !== undefined) extensionAttributes[KEY_EXTENSION] = event.key;
  const { contentType } = encodeData(event);
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time === undefined ? undefined : new Date(event.time),
    subject: event.subject,
    dataschema: event.dataschema,
    datacontenttype: contentType,
    data: event.data,
    extensionAttributes: Object.keys(extensionAttributes).length > 0 ? extensionAttributes : undefined,
  };
}
