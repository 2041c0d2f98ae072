/**
 * Namespace topics and their pull subscriptions. Publishing appends to every subscription of the
 * topic (fan-out); receivers of one subscription compete for its events.
 *
 * A topic also keeps what was published to it for its retention, so that a subscription created
 * on first use (receive) starts with the events published before it: publish-then-receive works
 * without any setup (the newest {@link MAX_RETAINED_EVENTS} at most). A subscription declared up front (config file, admin API) starts empty, as
 * on the service.
 */
import type { CloudEventJson } from '../cloudevents.js';
import type { NamespaceTopicConfig, PullSubscriptionConfig } from '../config.js';
import type { DeadLetterSink } from '../dead-letter.js';
import { badRequest, HttpError } from '../errors.js';
import { PullSubscription } from './subscription.js';

const DAY_MS = 86_400_000;
/** At most this many events are retained per topic for subscriptions created on first use. */
export const MAX_RETAINED_EVENTS = 100_000;

interface Topic {
  readonly name: string;
  readonly retentionMs: number;
  readonly subscriptions: Map<string, PullSubscription>;
  /** Published events with their publish time, pruned to the retention window. */
  readonly history: { readonly event: CloudEventJson; readonly at: number }[];
}

function inRange(
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
  what: string,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${what} must be an integer from ${min} to ${max}, got ${v}.`);
  return v;
}

export class NamespaceStore {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly options: { readonly autoCreate: boolean; readonly timeScale: number },
    private readonly deadLetters: DeadLetterSink,
  ) {}

  /** Creates (or replaces the settings of) a topic; returns whether it is new. */
  putTopic(config: NamespaceTopicConfig): boolean {
    const days = inRange(config.eventRetentionInDays, 1, 1, 7, 'eventRetentionInDays');
    const existing = this.topics.get(config.name);
    const topic: Topic = existing
      ? { ...existing, retentionMs: days * DAY_MS }
      : { name: config.name, retentionMs: days * DAY_MS, subscriptions: new Map(), history: [] };
    this.topics.set(config.name, topic);
    for (const sub of config.subscriptions ?? []) this.putSubscription(config.name, sub);
    return !existing;
  }

  /** Creates a subscription (empty: it sees events published from now on); returns whether it is new. */
  putSubscription(topicName: string, config: PullSubscriptionConfig, replayHistory = false): boolean {
    const topic = this.topics.get(topicName) ?? this.createTopic(topicName);
    const lockDurationInSeconds = inRange(config.lockDurationInSeconds, 60, 60, 300, 'lockDurationInSeconds');
    const maxDeliveryCount = inRange(config.maxDeliveryCount, 10, 1, 10, 'maxDeliveryCount');
    const existing = topic.subscriptions.get(config.name);
    if (existing) existing.close();
    const subscription = new PullSubscription(
      topicName,
      config.name,
      {
        lockDurationInSeconds,
        maxDeliveryCount,
        retentionMs: topic.retentionMs,
        timeScale: this.options.timeScale,
      },
      this.deadLetters,
    );
    topic.subscriptions.set(config.name, subscription);
    if (replayHistory) {
      this.prune(topic);
      for (const { event, at } of topic.history) subscription.enqueue([event], at);
    }
    return !existing;
  }

  /** Appends `events` to every subscription of the topic (created on first use unless disabled). */
  publish(topicName: string, events: readonly CloudEventJson[]): void {
    const topic = this.topics.get(topicName) ?? this.createTopic(topicName);
    const at = Date.now();
    for (const event of events) topic.history.push({ event, at });
    this.prune(topic);
    for (const subscription of topic.subscriptions.values()) subscription.enqueue(events, at);
  }

  /** The subscription, created on first use (with the topic's retained events) unless disabled. */
  subscription(topicName: string, name: string): PullSubscription {
    const topic = this.topics.get(topicName) ?? this.createTopic(topicName);
    const found = topic.subscriptions.get(name);
    if (found) return found;
    if (!this.options.autoCreate) {
      throw new HttpError(
        404,
        'NotFound',
        `The event subscription '${name}' of topic '${topicName}' does not exist.`,
      );
    }
    this.putSubscription(topicName, { name }, true);
    return topic.subscriptions.get(name) as PullSubscription;
  }

  /** A summary for the admin API. */
  describe() {
    return [...this.topics.values()].map((t) => ({
      name: t.name,
      eventRetentionInDays: t.retentionMs / DAY_MS,
      subscriptions: [...t.subscriptions.values()].map((s) => ({
        name: s.name,
        lockDurationInSeconds: s.settings.lockDurationInSeconds,
        maxDeliveryCount: s.settings.maxDeliveryCount,
        ...s.stats(),
      })),
    }));
  }

  close(): void {
    for (const topic of this.topics.values()) for (const s of topic.subscriptions.values()) s.close();
  }

  private createTopic(name: string): Topic {
    if (!this.options.autoCreate) throw new HttpError(404, 'NotFound', `The topic '${name}' does not exist.`);
    this.putTopic({ name });
    return this.topics.get(name) as Topic;
  }

  private prune(topic: Topic): void {
    const oldest = Date.now() - topic.retentionMs * this.options.timeScale;
    let drop = 0;
    while (drop < topic.history.length && (topic.history[drop]?.at ?? 0) < oldest) drop += 1;
    drop = Math.max(drop, topic.history.length - MAX_RETAINED_EVENTS);
    if (drop > 0) topic.history.splice(0, drop);
  }
}
