import http from 'node:http';
import https from 'node:https';
import type { Event } from '@eventport/core/driver';
import { AzureKeyCredential, type TokenCredential } from '@azure/core-auth';
import { EventGridPublisherClient, type CloudEvent } from '@azure/eventgrid';
import { encodeData } from '@eventport/core/driver';
import { BASIC_MAX_EVENTS_PER_PUBLISH } from './capabilities.js';
import type { EventGridConfig } from './config.js';
import { NamespaceClient } from './client.js';
import type { EventGridAuth } from './credential.js';
import { mapHttpFailure } from './errors.js';
import type { PublishTarget } from './sender.js';
import { toEventGridSchema } from './eventgrid-schema.js';
import { structuredBatch } from './structured-encoder.js';
import { KEY_EXTENSION } from './wire.js';

/**
 * Basic topics: producers publish through the thin REST client (structured CloudEvents, every
 * attribute as encoded); `raw().publisher(topic)` gives an `EventGridPublisherClient`
 * (`@azure/eventgrid`) for the same topic. That SDK (5.x) was the producer before; it refuses
 * data that is not a JSON object (text, numbers, binary without a content type), adds a `time`
 * to events without one and writes `datacontenttype: application/json` on an event without one. Azure names a basic topic by its host (`https://TOPIC.REGION-1.eventgrid.azure.net/api/events`);
 * the emulator (a loopback host) by its path (`/topics/TOPIC/api/events`).
 */
export class BasicPublishers {
  readonly #credential: AzureKeyCredential | TokenCredential;
  readonly #agent: http.Agent;
  readonly #clients = new Map<string, EventGridPublisherClient<'CloudEvent'>>();
  readonly #rest: NamespaceClient;

  constructor(
    private readonly config: EventGridConfig,
    auth: EventGridAuth,
  ) {
    this.#credential = 'key' in auth ? new AzureKeyCredential(auth.key) : auth.credential;
    this.#rest = new NamespaceClient(config, auth);
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

  /**
   * Where EventPort's producers publish: the thin REST client, with the events encoded exactly as
   * for namespace topics (structured CloudEvents JSON, the key as `partitionkey`).
   */
  target(topic: string): PublishTarget {
    const path = new URL(this.endpointOf(topic)).pathname;
    const rest = this.#rest;
    return {
      name: topic,
      maxEvents: BASIC_MAX_EVENTS_PER_PUBLISH,
      publish: async (events, encoded) => {
        const body =
          this.config.schema === 'eventgrid'
            ? Buffer.from(JSON.stringify(events.map(toEventGridSchema)))
            : structuredBatch(encoded);
        const type = this.config.schema === 'eventgrid' ? 'application/json; charset=utf-8' : undefined;
        const answer = await rest.publishBasic(path, body, undefined, type);
        if (!answer.ok) throw mapHttpFailure(answer.failure, 'publish', `to basic topic "${topic}"`, topic);
      },
    };
  }

  close(): void {
    this.#agent.destroy();
    this.#rest.close();
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
