import type { PubSub, Topic } from '@google-cloud/pubsub';
import { TopicNotFoundError } from '@eventport/core/driver';
import { checkResourceId, subscriptionNameOf, type PubSubConfig } from './config.js';
import { grpcCode, mapPubSubError, Status } from './errors.js';

/** What a subscription is created with (properties Pub/Sub fixes at creation). */
export interface SubscriptionSpec {
  readonly topic: string;
  readonly group: string;
  readonly ackDeadlineSeconds: number;
  readonly ordered: boolean;
  readonly exactlyOnce: boolean;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
}

/**
 * Topics and subscriptions, created on demand when auto-creation is on (each at most once per
 * connection); with it off, a missing one is a TopicNotFoundError naming it. Settings of an
 * existing subscription are left as they are.
 */
export class Resources {
  private readonly topics = new Map<string, Promise<void>>();
  private readonly subscriptions = new Map<string, Promise<string>>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly config: PubSubConfig,
  ) {}

  /** The full resource name of a topic. */
  topicPath(topic: string): string {
    return `projects/${this.config.projectId}/topics/${topic}`;
  }

  subscriptionPath(subscription: string): string {
    return `projects/${this.config.projectId}/subscriptions/${subscription}`;
  }

  /** Makes sure a topic exists (creating it when allowed). */
  ensureTopic(topic: string): Promise<void> {
    checkResourceId(topic, 'topic');
    let p = this.topics.get(topic);
    if (p === undefined) {
      p = this.doEnsureTopic(topic);
      this.topics.set(topic, p);
      p.catch(() => this.topics.delete(topic));
    }
    return p;
  }

  private async doEnsureTopic(topic: string): Promise<void> {
    const handle = this.pubsub.topic(topic);
    if (this.config.autoCreate) {
      try {
        await handle.create();
      } catch (err) {
        if (grpcCode(err) !== Status.ALREADY_EXISTS)
          throw mapPubSubError(err, `create topic ${topic}`, topic);
      }
      return;
    }
    const [exists] = await handle.exists().catch((err: unknown) => {
      throw mapPubSubError(err, `look up topic ${topic}`, topic);
    });
    if (!exists) throw new TopicNotFoundError(topic);
  }

  /** Makes sure a group's subscription exists; returns its name. */
  ensureSubscription(spec: SubscriptionSpec): Promise<string> {
    const name = checkResourceId(subscriptionNameOf(this.config, spec.topic, spec.group), 'subscriptionName');
    let p = this.subscriptions.get(name);
    if (p === undefined) {
      p = this.doEnsureSubscription(name, spec);
      this.subscriptions.set(name, p);
      p.catch(() => this.subscriptions.delete(name));
    }
    return p;
  }

  private async doEnsureSubscription(name: string, spec: SubscriptionSpec): Promise<string> {
    const sub = this.pubsub.subscription(name);
    const [exists] = await sub.exists().catch((err: unknown) => {
      throw mapPubSubError(err, `look up subscription ${name}`, name);
    });
    if (exists) return name;
    if (!this.config.autoCreate) {
      // The topic is named when it is the one missing.
      await this.ensureTopic(spec.topic);
      throw new TopicNotFoundError(name);
    }
    await this.ensureTopic(spec.topic);
    if (spec.deadLetter !== undefined) await this.ensureTopic(spec.deadLetter.topic);
    try {
      await this.pubsub.topic(spec.topic).createSubscription(name, {
        ackDeadlineSeconds: spec.ackDeadlineSeconds,
        enableMessageOrdering: spec.ordered,
        enableExactlyOnceDelivery: spec.exactlyOnce,
        ...(spec.deadLetter !== undefined
          ? {
              deadLetterPolicy: {
                deadLetterTopic: this.topicPath(spec.deadLetter.topic),
                maxDeliveryAttempts: spec.deadLetter.maxDeliveryAttempts,
              },
            }
          : {}),
      });
    } catch (err) {
      if (grpcCode(err) !== Status.ALREADY_EXISTS)
        throw mapPubSubError(err, `create subscription ${name}`, spec.topic);
    }
    return name;
  }

  /** Forgets that a topic (and, when named, a subscription) exists, so the next ensure re-creates it. */
  forget(topic: string, subscription?: string): void {
    this.topics.delete(topic);
    if (subscription !== undefined) this.subscriptions.delete(subscription);
  }

  /** A topic handle for publishing. */
  topic(topic: string): Topic {
    return this.pubsub.topic(topic);
  }

  /** Deletes a topic and the subscriptions this connection made for it. Idempotent. */
  async deleteTopic(topic: string): Promise<void> {
    checkResourceId(topic, 'topic');
    const handle = this.pubsub.topic(topic);
    try {
      const [subs] = await handle.getSubscriptions();
      await Promise.all(subs.map((s) => s.delete().catch(() => undefined)));
      await handle.delete();
    } catch (err) {
      if (grpcCode(err) !== Status.NOT_FOUND) throw mapPubSubError(err, `delete topic ${topic}`, topic);
    }
    this.topics.delete(topic);
    for (const key of [...this.subscriptions.keys()]) {
      if (key.startsWith(`${topic}.`) || key === topic) this.subscriptions.delete(key);
    }
  }
}
