import type { PubSub, Topic } from '@google-cloud/pubsub';
import { TopicNotFoundError, type StartPosition } from '@eventport/core/driver';
import { checkResourceId, subscriptionNameOf, type PubSubConfig } from './config.js';
import { grpcCode, mapPubSubError, Status } from './errors.js';
import { seekTimeFor, toTimestamp, type Timestamp } from './start-position.js';

/** The Seek RPC on a subscription (full resource name) to a time. */
export type SeekToTime = (subscriptionPath: string, time: Timestamp) => Promise<void>;

/** What a subscription is created with (properties Pub/Sub fixes at creation). */
export interface SubscriptionSpec {
  readonly topic: string;
  readonly group: string;
  readonly ackDeadlineSeconds: number;
  readonly ordered: boolean;
  readonly exactlyOnce: boolean;
  readonly deadLetter?: { readonly topic: string; readonly maxDeliveryAttempts: number };
  /** Where the subscription starts when this connection creates it (see seekTimeFor). */
  readonly from: StartPosition;
}

/**
 * Topics and subscriptions, created on demand when auto-creation is on (each at most once per
 * connection); with it off, a missing one is a TopicNotFoundError naming it. Settings of an
 * existing topic or subscription are left as they are. With retention on, created topics get
 * message retention and created subscriptions keep acknowledged messages, and a subscription is
 * moved to its start position (Seek) right after it was created, before anything pulls from it.
 */
export class Resources {
  private readonly topics = new Map<string, Promise<void>>();
  private readonly subscriptions = new Map<string, Promise<string>>();
  private readonly skipBefore = new Map<string, Date>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly config: PubSubConfig,
    private readonly seek: SeekToTime,
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
      const retention = this.retention();
      try {
        await this.pubsub.createTopic({ name: topic, ...(retention ?? {}) });
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
    // Checked before anything is created; the time is taken before the create request.
    const createdAfter = new Date();
    const seekTo = seekTimeFor(spec.from, createdAfter, this.config.emulatorHost !== undefined);
    const retention = this.retention();
    try {
      await this.pubsub.topic(spec.topic).createSubscription(name, {
        ...(retention !== undefined ? { retainAckedMessages: true, ...retention } : {}),
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
      // Created by someone else meanwhile: it starts where its creator put it.
      if (grpcCode(err) === Status.ALREADY_EXISTS) return name;
      throw mapPubSubError(err, `create subscription ${name}`, spec.topic);
    }
    if (seekTo !== undefined) await this.moveTo(name, spec.from, seekTo);
    return name;
  }

  /**
   * Seeks a subscription just created. Creation and seek are one step: when the seek fails the
   * subscription is deleted again (best effort), so that a retry creates and seeks it anew instead
   * of finding it at the wrong position.
   */
  private async moveTo(name: string, from: StartPosition, time: Date): Promise<void> {
    try {
      await this.seek(this.subscriptionPath(name), toTimestamp(time));
    } catch (err) {
      if (this.config.emulatorHost !== undefined && grpcCode(err) === Status.UNIMPLEMENTED) {
        // Google's emulator implements no Seek on ordered subscriptions, and hands a new
        // subscription of a topic with retention the topic's retained backlog: that is `earliest`;
        // for a time (and `latest`) its receivers acknowledge, undelivered, what was published
        // before it — what the seek would have marked acknowledged.
        if (from !== 'earliest') this.skipBefore.set(name, time);
        return;
      }
      await this.pubsub
        .subscription(name)
        .delete()
        .catch(() => undefined);
      throw mapPubSubError(err, `seek subscription ${name} to ${time.toISOString()}`, name);
    }
  }

  /**
   * Against an emulator that could not seek a subscription this connection created: the start time
   * before which its receivers acknowledge messages without delivering them.
   */
  startFilter(subscription: string): Date | undefined {
    return this.skipBefore.get(subscription);
  }

  /** The messageRetentionDuration of created topics and subscriptions; undefined when retention is off. */
  private retention(): { messageRetentionDuration: { seconds: number } } | undefined {
    const seconds = this.config.retentionSeconds;
    return seconds > 0 ? { messageRetentionDuration: { seconds } } : undefined;
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
