import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SubscribeCommand,
  UnsubscribeCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { TopicNotFoundError } from '@eventport/core/driver';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import type { SqsConfig } from './config.js';
import { mapAwsError } from './errors.js';
import { accountOfArn, nameOfArn, queueName, queueNameOfUrl, snsTopicName } from './names.js';

const T = { requestTimeout: REQUEST_TIMEOUT_MS };

/** A queue as the driver uses it. */
export interface QueueRef {
  readonly url: string;
  readonly name: string;
}

/** Where a message that exhausted its attempts is moved at once: a queue, or (fan-out mode) an SNS topic. */
export type DeadLetterTarget =
  | { readonly kind: 'queue'; readonly queue: QueueRef }
  | { readonly kind: 'topic'; readonly arn: string; readonly name: string };

/**
 * Looks up, creates and wires the native resources behind topics and groups:
 * queues (plain mode), SNS topics with one subscribed queue per group (fan-out
 * mode), dead-letter queues with their RedrivePolicy. Lookups are cached per
 * connection; failures are not.
 */
export class Resources {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly arns = new Map<string, Promise<string>>();
  private readonly topics = new Map<string, Promise<string>>();
  private readonly groups = new Map<string, Promise<QueueRef>>();

  constructor(
    readonly sqs: SQSClient,
    readonly sns: SNSClient | undefined,
    readonly config: SqsConfig,
  ) {}

  /** The queue a plain-mode topic maps to (created when missing and auto-creation is on). */
  topicQueue(topic: string, create = this.config.autoCreate): Promise<QueueRef> {
    const { config } = this;
    const name = queueName(config.prefix, topic, config.fifo);
    if (config.queue !== undefined && (topic === config.queue || name === config.queue)) {
      if (config.queueUrl !== undefined) return Promise.resolve({ url: config.queueUrl, name: config.queue });
      return this.queueUrl(config.queue, create, topic).then((url) => ({ url, name: config.queue! }));
    }
    return this.queueUrl(name, create, topic).then((url) => ({ url, name }));
  }

  /**
   * Re-creates a topic's resources after they vanished (a queue deleted, an
   * emulator restarted): forgets the cached lookups and resolves again with
   * creation. Plain mode: the topic's queue; fan-out: the SNS topic and, with
   * `group`, the group's queue and subscription.
   */
  async heal(topic: string, group?: string): Promise<void> {
    const { config } = this;
    if (config.fanOut) {
      this.topics.delete(topic);
      if (group !== undefined) {
        const name = queueName(config.prefix, topic, config.fifo, group);
        this.forgetQueue(name);
        this.groups.delete(`${topic}\u0000${group}`);
        await this.groupQueue(topic, group);
      } else {
        await this.topicArn(topic, true);
      }
      return;
    }
    const ref = await this.topicQueue(topic, false).catch(() => undefined);
    if (ref !== undefined) this.forgetQueue(ref.name);
    this.forgetQueue(queueName(config.prefix, topic, config.fifo));
    if (config.queue !== undefined) this.forgetQueue(config.queue);
    await this.topicQueue(topic, true);
  }

  private forgetQueue(name: string): void {
    const url = this.urls.get(name);
    this.urls.delete(name);
    if (url !== undefined)
      void url.then(
        (u) => this.arns.delete(u),
        () => undefined,
      );
  }

  /** The queue of a consumer group on a fan-out topic: created and subscribed to the SNS topic (raw delivery). */
  groupQueue(topic: string, group: string): Promise<QueueRef> {
    const key = `${topic}\u0000${group}`;
    let hit = this.groups.get(key);
    if (hit === undefined) {
      hit = this.subscribeGroup(topic, group);
      this.cache(this.groups, key, hit);
    }
    return hit;
  }

  /** A queue's URL by name; created when missing and `create`, else TopicNotFoundError(topic). */
  queueUrl(name: string, create: boolean, topic: string, owner?: string): Promise<string> {
    const key = owner === undefined ? name : `${owner}/${name}`;
    let hit = this.urls.get(key);
    if (hit === undefined) {
      hit = this.lookupQueue(name, create, topic, owner);
      this.cache(this.urls, key, hit);
    }
    return hit;
  }

  queueArn(url: string): Promise<string> {
    let hit = this.arns.get(url);
    if (hit === undefined) {
      hit = this.sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }), T)
        .then((out) => out.Attributes?.QueueArn ?? Promise.reject(new Error(`no QueueArn for ${url}`)))
        .catch((err: unknown) => Promise.reject(mapAwsError(err, `get the ARN of ${queueNameOfUrl(url)}`)));
      this.cache(this.arns, url, hit);
    }
    return hit;
  }

  /** The ARN of a fan-out topic's SNS topic (created when missing and auto-creation is on). */
  topicArn(topic: string, create = this.config.autoCreate): Promise<string> {
    let hit = this.topics.get(topic);
    if (hit === undefined) {
      hit = this.lookupTopic(topic, create);
      this.cache(this.topics, topic, hit);
    }
    return hit;
  }

  /**
   * Makes sure `source` dead-letters natively and says where EventPort moves a
   * message at once. An existing RedrivePolicy is kept (its maxReceiveCount is
   * updated when it targets the requested queue) and its queue is the target.
   * Without one, the dead-letter queue is created and attached with
   * maxReceiveCount = `maxDeliveries`. Plain mode: the dead-letter topic's queue.
   * Fan-out mode: the dead-letter topic is an SNS topic too; the redrive target is
   * its queue for `group` (subscribed), and immediate moves publish to the topic,
   * so every group reading the dead-letter topic sees them.
   */
  async deadLetter(
    source: QueueRef,
    dlqTopic: string,
    group: string,
    maxDeliveries: number,
  ): Promise<DeadLetterTarget> {
    const { config } = this;
    let attrs: Record<string, string>;
    try {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: source.url,
          AttributeNames: ['RedrivePolicy', 'QueueArn'],
        }),
        T,
      );
      attrs = out.Attributes ?? {};
    } catch (err) {
      throw mapAwsError(err, `read the RedrivePolicy of ${source.name}`);
    }
    const wanted = queueName(config.prefix, dlqTopic, config.fifo, config.fanOut ? group : undefined);
    const current = parseRedrive(attrs.RedrivePolicy);
    if (current !== undefined && nameOfArn(current.deadLetterTargetArn) !== wanted) {
      const name = nameOfArn(current.deadLetterTargetArn);
      const url = await this.queueUrl(name, false, dlqTopic, accountOfArn(current.deadLetterTargetArn));
      return { kind: 'queue', queue: { url, name } };
    }
    const queue = config.fanOut
      ? await this.groupQueue(dlqTopic, group)
      : { url: await this.queueUrl(wanted, config.autoCreate, dlqTopic), name: wanted };
    if (current === undefined || current.maxReceiveCount !== maxDeliveries) {
      const arn = await this.queueArn(queue.url);
      const policy = JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: maxDeliveries });
      try {
        await this.sqs.send(
          new SetQueueAttributesCommand({ QueueUrl: source.url, Attributes: { RedrivePolicy: policy } }),
          T,
        );
      } catch (err) {
        throw mapAwsError(err, `attach dead-letter queue ${queue.name} to ${source.name}`);
      }
    }
    if (!config.fanOut) return { kind: 'queue', queue };
    const topicArn = await this.topicArn(dlqTopic);
    return { kind: 'topic', arn: topicArn, name: nameOfArn(topicArn) };
  }

  /** Creates a topic's native resource (queue or SNS topic). Idempotent. */
  async createTopic(topic: string): Promise<void> {
    if (this.config.fanOut) await this.topicArn(topic, true);
    else await this.topicQueue(topic, true);
  }

  /**
   * Deletes a topic's native resources: its queue (plain mode), or its SNS topic,
   * subscriptions and group queues (fan-out mode). Missing resources are fine.
   */
  async deleteTopic(topic: string): Promise<void> {
    const { config } = this;
    if (!config.fanOut) {
      const name = queueName(config.prefix, topic, config.fifo);
      if (config.queue === name && config.queueUrl !== undefined) return; // never delete the bound queue by URL
      await this.deleteQueueNamed(name);
      return;
    }
    const sns = this.requireSns();
    let arn: string;
    try {
      arn = await this.topicArn(topic, false);
    } catch (err) {
      if (err instanceof TopicNotFoundError) return;
      throw err;
    }
    let next: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn, NextToken: next }), T);
      for (const sub of page.Subscriptions ?? []) {
        if (sub.SubscriptionArn !== undefined && sub.SubscriptionArn.startsWith('arn:')) {
          await sns
            .send(new UnsubscribeCommand({ SubscriptionArn: sub.SubscriptionArn }), T)
            .catch(() => undefined);
        }
        if (sub.Protocol === 'sqs' && sub.Endpoint !== undefined)
          await this.deleteQueueNamed(nameOfArn(sub.Endpoint));
      }
      next = page.NextToken;
    } while (next !== undefined);
    await sns.send(new DeleteTopicCommand({ TopicArn: arn }), T).catch(() => undefined);
    this.topics.delete(topic);
    for (const key of [...this.groups.keys()]) if (key.startsWith(`${topic}\u0000`)) this.groups.delete(key);
  }

  private async deleteQueueNamed(name: string): Promise<void> {
    let url: string;
    try {
      url = await this.queueUrl(name, false, name);
    } catch (err) {
      if (err instanceof TopicNotFoundError) return;
      throw err;
    }
    this.urls.delete(name);
    this.arns.delete(url);
    try {
      await this.sqs.send(new DeleteQueueCommand({ QueueUrl: url }), T);
    } catch (err) {
      const mapped = mapAwsError(err, `delete queue ${name}`, name);
      if (!(mapped instanceof TopicNotFoundError)) throw mapped;
    }
  }

  private async lookupQueue(name: string, create: boolean, topic: string, owner?: string): Promise<string> {
    try {
      const out = await this.sqs.send(
        new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: owner }),
        T,
      );
      if (out.QueueUrl !== undefined) return out.QueueUrl;
    } catch (err) {
      const mapped = mapAwsError(err, `look up queue ${name}`, topic);
      if (!(mapped instanceof TopicNotFoundError)) throw mapped;
      if (!create) throw mapped;
    }
    try {
      const out = await this.sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: this.config.fifo ? { FifoQueue: 'true' } : undefined,
        }),
        T,
      );
      if (out.QueueUrl === undefined) throw new Error(`CreateQueue returned no URL for ${name}`);
      return out.QueueUrl;
    } catch (err) {
      throw mapAwsError(err, `create queue ${name}`, topic);
    }
  }

  private async lookupTopic(topic: string, create: boolean): Promise<string> {
    const sns = this.requireSns();
    const name = snsTopicName(this.config.prefix, topic, this.config.fifo);
    if (create) {
      try {
        const out = await sns.send(
          new CreateTopicCommand({
            Name: name,
            Attributes: this.config.fifo ? { FifoTopic: 'true' } : undefined,
          }),
          T,
        );
        if (out.TopicArn !== undefined) return out.TopicArn;
      } catch (err) {
        throw mapAwsError(err, `create SNS topic ${name}`, topic);
      }
    }
    let next: string | undefined;
    try {
      do {
        const page = await sns.send(new ListTopicsCommand({ NextToken: next }), T);
        const found = page.Topics?.find((t) => t.TopicArn !== undefined && nameOfArn(t.TopicArn) === name);
        if (found?.TopicArn !== undefined) return found.TopicArn;
        next = page.NextToken;
      } while (next !== undefined);
    } catch (err) {
      throw mapAwsError(err, `look up SNS topic ${name}`, topic);
    }
    throw new TopicNotFoundError(topic);
  }

  private async subscribeGroup(topic: string, group: string): Promise<QueueRef> {
    const sns = this.requireSns();
    const topicArn = await this.topicArn(topic);
    const name = queueName(this.config.prefix, topic, this.config.fifo, group);
    const url = await this.queueUrl(name, true, topic);
    let queueArn: string;
    let policy: string | undefined;
    try {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'Policy'] }),
        T,
      );
      queueArn = out.Attributes?.QueueArn ?? '';
      policy = out.Attributes?.Policy;
    } catch (err) {
      throw mapAwsError(err, `read the attributes of ${name}`, topic);
    }
    const merged = allowTopic(policy, queueArn, topicArn);
    try {
      if (merged !== undefined) {
        await this.sqs.send(
          new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: merged } }),
          T,
        );
      }
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: queueArn,
          Attributes: { RawMessageDelivery: 'true' },
          ReturnSubscriptionArn: true,
        }),
        T,
      );
    } catch (err) {
      throw mapAwsError(err, `subscribe ${name} to SNS topic ${nameOfArn(topicArn)}`, topic);
    }
    return { url, name };
  }

  private requireSns(): SNSClient {
    if (this.sns === undefined) throw new Error('SNS is used in fan-out mode only');
    return this.sns;
  }

  private cache<V>(map: Map<string, Promise<V>>, key: string, value: Promise<V>): void {
    map.set(key, value);
    value.catch(() => {
      if (map.get(key) === value) map.delete(key);
    });
  }
}

interface Redrive {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

function parseRedrive(text: string | undefined): Redrive | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const p = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    if (typeof p.deadLetterTargetArn !== 'string') return undefined;
    return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: Number(p.maxReceiveCount) };
  } catch {
    return undefined;
  }
}

/**
 * The queue policy that lets the SNS topic send to the queue, merged into the
 * queue's current policy; undefined when the current policy already allows it.
 */
export function allowTopic(
  current: string | undefined,
  queueArn: string,
  topicArn: string,
): string | undefined {
  if (current !== undefined && current.includes(topicArn)) return undefined;
  let doc: { Version?: string; Statement?: unknown[] } = { Version: '2012-10-17', Statement: [] };
  if (current !== undefined && current !== '') {
    try {
      doc = JSON.parse(current) as typeof doc;
    } catch {
      // an unreadable policy is replaced
    }
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [];
  statements.push({
    Sid: `eventport-${nameOfArn(topicArn)}`.slice(0, 100),
    Effect: 'Allow',
    Principal: { Service: 'sns.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
  });
  return JSON.stringify({ Version: doc.Version ?? '2012-10-17', Statement: statements });
}
