/**
 * Basic topics and their push event subscriptions. A topic has one input schema; every event
 * published to it is offered to each of its subscriptions (fan-out), which filter and deliver.
 * Subscriptions are created only after their endpoint passed the validation handshake.
 */
import type { BasicTopicConfig, InputSchema, PushSubscriptionConfig, ResolvedOptions } from '../config.js';
import type { DeadLetterSink } from '../dead-letter.js';
import { badRequest, HttpError } from '../errors.js';
import { handshake } from '../push/handshake.js';
import { PushSubscription } from '../push/subscription.js';
import { WebhookClient } from '../push/webhook-client.js';

interface Topic {
  readonly name: string;
  readonly inputSchema: InputSchema;
  readonly subscriptions: Map<string, PushSubscription>;
}

/** A subscription whose endpoint answered the handshake with 200 but no code: waits for a GET of its validation URL. */
interface AwaitingValidation {
  readonly topic: string;
  readonly config: PushSubscriptionConfig;
  readonly code: string;
}

const SCHEMAS: readonly InputSchema[] = ['EventGridSchema', 'CloudEventSchemaV1_0', 'CustomEventSchema'];

export function topicResourceId(name: string): string {
  return `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/eventport/providers/Microsoft.EventGrid/topics/${name}`;
}

export class BasicTopics {
  private readonly topics = new Map<string, Topic>();
  private readonly awaiting = new Map<string, AwaitingValidation>();
  private readonly client = new WebhookClient();
  private emulatorUrl = 'http://127.0.0.1';

  constructor(
    private readonly options: ResolvedOptions,
    private readonly deadLetters: DeadLetterSink,
  ) {}

  /** The emulator's own URL, used in validation URLs. */
  setEmulatorUrl(url: string): void {
    this.emulatorUrl = url;
  }

  /**
   * Creates a topic (default schema: Event Grid) with its subscriptions. A subscription whose
   * handshake fails is logged and left out, so a config file never stops the emulator.
   */
  async putTopic(config: BasicTopicConfig): Promise<void> {
    this.topic(config.name, config.inputSchema ?? 'EventGridSchema', true);
    for (const sub of config.eventSubscriptions ?? []) {
      const result = await this.putSubscription(config.name, sub).catch((error: Error) => error.message);
      if (typeof result === 'string')
        this.options.log(`event subscription ${config.name}/${sub.name} not created: ${result}`);
    }
  }

  /** The topic, created on first use with `schema` unless auto-creation is off; 404 otherwise. */
  topic(name: string, schema?: InputSchema, create = this.options.autoCreate): Topic {
    const found = this.topics.get(name);
    if (found) return found;
    if (!create || !schema) throw new HttpError(404, 'NotFound', `The topic '${name}' does not exist.`);
    if (!SCHEMAS.includes(schema)) throw badRequest(`inputSchema must be one of ${SCHEMAS.join(', ')}.`);
    const topic: Topic = { name, inputSchema: schema, subscriptions: new Map() };
    this.topics.set(name, topic);
    return topic;
  }

  exists(name: string): boolean {
    return this.topics.has(name);
  }

  /**
   * Validates the endpoint with the handshake of the topic's schema and creates (or replaces) the
   * subscription. A PUT of the configuration the subscription already has changes nothing (no
   * handshake; the events it is retrying stay), as an unchanged update does in the service.
   * Resolves with the state; throws 400 when the endpoint refused.
   */
  async putSubscription(
    topicName: string,
    config: PushSubscriptionConfig,
  ): Promise<'created' | 'unchanged' | 'awaiting-manual-validation'> {
    checkSubscription(config);
    const topic = this.topic(topicName, 'EventGridSchema', true);
    const existing = topic.subscriptions.get(config.name);
    if (existing !== undefined && stableJson(existing.config) === stableJson(config)) return 'unchanged';
    const result = await handshake(this.client, config.endpointUrl, topic.inputSchema, {
      topicId: topicResourceId(topicName),
      timeoutMs: this.options.handshakeTimeoutMs,
      validationUrl: (code) =>
        `${this.emulatorUrl}/admin/validate?topic=${encodeURIComponent(topicName)}&subscription=${encodeURIComponent(config.name)}&code=${code}`,
    });
    if (result.state === 'refused') {
      throw badRequest(
        `Webhook validation handshake failed for ${endpointBaseUrl(config.endpointUrl)}: ${result.reason}`,
      );
    }
    if (result.state === 'awaiting-manual-validation') {
      this.awaiting.set(`${topicName}/${config.name}`, {
        topic: topicName,
        config,
        code: result.validationCode,
      });
      return 'awaiting-manual-validation';
    }
    this.activate(topic, config);
    return 'created';
  }

  /** The manual validation URL: activates the subscription when the code matches. */
  validate(topicName: string, subscription: string, code: string): boolean {
    const key = `${topicName}/${subscription}`;
    const waiting = this.awaiting.get(key);
    if (!waiting || waiting.code !== code) return false;
    this.awaiting.delete(key);
    this.activate(this.topic(topicName, undefined, false), waiting.config);
    return true;
  }

  deleteSubscription(topicName: string, name: string): boolean {
    const topic = this.topics.get(topicName);
    const sub = topic?.subscriptions.get(name);
    sub?.close();
    return topic?.subscriptions.delete(name) ?? false;
  }

  subscription(topicName: string, name: string): PushSubscription | undefined {
    return this.topics.get(topicName)?.subscriptions.get(name);
  }

  /** Offers published events to every subscription of the topic. */
  publish(topic: Topic, events: readonly Record<string, unknown>[]): void {
    const at = Date.now();
    for (const sub of topic.subscriptions.values()) for (const event of events) sub.offer(event, at);
  }

  describe() {
    return [...this.topics.values()].map((t) => ({
      name: t.name,
      inputSchema: t.inputSchema,
      endpoint: `${this.emulatorUrl}${t.name === 'default' ? '' : `/topics/${encodeURIComponent(t.name)}`}/api/events`,
      eventSubscriptions: [...t.subscriptions.values()].map((s) => {
        const { endpointUrl, ...rest } = s.config;
        return { ...rest, endpointBaseUrl: endpointBaseUrl(endpointUrl), stats: s.stats };
      }),
    }));
  }

  async close(): Promise<void> {
    for (const topic of this.topics.values()) for (const sub of topic.subscriptions.values()) sub.close();
    this.client.close();
  }

  private activate(topic: Topic, config: PushSubscriptionConfig): void {
    topic.subscriptions.get(config.name)?.close();
    const settings = {
      retrySchedule: this.options.retrySchedule,
      deliveryTimeoutMs: this.options.deliveryTimeoutMs,
      concurrency: this.options.pushConcurrency,
      timeScale: this.options.timeScale,
    };
    topic.subscriptions.set(
      config.name,
      new PushSubscription(topic.name, config, topic.inputSchema, settings, this.client, this.deadLetters),
    );
  }
}

/** JSON with object keys sorted, to compare configurations. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/**
 * An endpoint URL without its query and fragment: a webhook's secret travels in the query
 * (`?code=…`), so, as the service does (`endpointBaseUrl`), nothing the emulator shows or
 * answers carries it.
 */
function endpointBaseUrl(endpointUrl: string): string {
  try {
    const url = new URL(endpointUrl);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

function checkSubscription(config: PushSubscriptionConfig): void {
  if (!config || typeof config.name !== 'string' || !/^[A-Za-z0-9-]{3,64}$/.test(config.name)) {
    throw badRequest('An event subscription needs a name of 3 to 64 letters, digits and hyphens.');
  }
  let url: URL;
  try {
    url = new URL(config.endpointUrl);
  } catch {
    throw badRequest('endpointUrl is not a URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest('endpointUrl must be http or https.');
  const attempts = config.retryPolicy?.maxDeliveryAttempts ?? 30;
  const ttl = config.retryPolicy?.eventTimeToLiveInMinutes ?? 1440;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 30)
    throw badRequest('maxDeliveryAttempts must be 1 to 30.');
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 1440)
    throw badRequest('eventTimeToLiveInMinutes must be 1 to 1440.');
}
