import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Event } from '@eventport/core/driver';
import {
  ClosedError,
  type CapabilityReport,
  type Driver,
  type DriverFactory,
  type DriverReceiver,
  type DriverSender,
  type ReceiverOptions,
  type SenderOptions,
} from '@eventport/core/driver';
import { SNS_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES, sqsCapabilities, variantOf } from './capabilities.js';
import { createSnsClient, createSqsClient, createSqsPollClient } from './clients.js';
import { parseSqsConfig, type SqsConfig } from './config.js';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { mapAwsError } from './errors.js';
import { bindGroup } from './group-binding.js';
import { deduplicationIdFor, groupIdFor, nameOfArn } from './names.js';
import { SqsReceiver, type DeadLetterSend } from './receiver.js';
import { Resources, type DeadLetterTarget } from './resources.js';
import { queueTarget, SqsSender, topicTarget } from './sender.js';

/** What `broker.raw()` returns: the AWS SDK clients this connection uses. */
export interface SqsNative {
  readonly sqs: SQSClient;
  /** Present in fan-out mode. */
  readonly sns: SNSClient | undefined;
  /** The URL of the queue behind a topic (plain mode) or a topic's group (fan-out mode). */
  queueUrl(topic: string, group?: string): Promise<string>;
}

/**
 * The driver behind `sqs://`: plain mode maps each topic to a queue; fan-out
 * mode maps each topic to an SNS topic and each consumer group to its own queue
 * subscribed to it. Standard and FIFO queues give different capability reports.
 */
export class SqsDriver implements Driver {
  readonly name = 'sqs';
  readonly capabilities: CapabilityReport;
  readonly resources: Resources;
  private readonly sqs: SQSClient;
  /** ReceiveMessage long polls only: a pool of their own, so they never starve other requests. */
  private readonly poller: SQSClient;
  private readonly sns: SNSClient | undefined;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private closed = false;
  private native: SqsNative | undefined;

  constructor(readonly config: SqsConfig) {
    this.capabilities = sqsCapabilities(config);
    this.sqs = createSqsClient(config);
    this.poller = createSqsPollClient(config);
    this.sns = config.fanOut ? createSnsClient(config) : undefined;
    this.resources = new Resources(this.sqs, this.sns, config);
  }

  describe(): string {
    const c = this.config;
    const parts = [variantOf(c)];
    if (c.region !== undefined) parts.push(`region ${c.region}`);
    if (c.endpoint !== undefined) parts.push(`endpoint ${c.endpoint}`);
    if (c.fanOut && c.snsEndpoint !== undefined && c.snsEndpoint !== c.endpoint)
      parts.push(`sns ${c.snsEndpoint}`);
    if (c.prefix !== '') parts.push(`prefix ${c.prefix}`);
    return `sqs://${c.queue ?? ''} (${parts.join(', ')})`;
  }

  async openSender(topic: string, _options: SenderOptions): Promise<DriverSender> {
    this.assertOpen();
    const { config } = this;
    let sender: SqsSender;
    if (config.fanOut) {
      const arn = await this.resources.topicArn(topic);
      sender = new SqsSender(
        topicTarget(this.sns!, arn, nameOfArn(arn), config.fifo),
        config.sendConcurrency,
        this.healer(topic),
      );
    } else {
      const queue = await this.resources.topicQueue(topic);
      const bound = config.queueUrl !== undefined && queue.url === config.queueUrl;
      sender = new SqsSender(
        queueTarget(this.sqs, queue.url, queue.name, config.fifo),
        config.sendConcurrency,
        bound ? undefined : this.healer(topic),
      );
    }
    return this.track(sender);
  }

  async openReceiver(topic: string, options: ReceiverOptions): Promise<DriverReceiver> {
    this.assertOpen();
    const { config } = this;
    const queue = config.fanOut
      ? await this.resources.groupQueue(topic, options.group)
      : await this.resources.topicQueue(topic);
    if (!config.fanOut) await bindGroup(this.sqs, queue, options.group);
    const deadLetter =
      options.deadLetter !== undefined
        ? await this.resources.deadLetter(
            queue,
            options.deadLetter.topic,
            options.group,
            nativeRedriveCount(options.deadLetter.maxDeliveries),
          )
        : undefined;
    this.assertOpen();
    return this.track(
      new SqsReceiver(this.sqs, {
        poller: this.poller,
        queue,
        fifo: config.fifo,
        holdBackGroups: config.fifo && options.orderedByKey,
        leaseMs: options.leaseMs,
        waitTimeSeconds: config.waitTimeSeconds,
        concurrency: config.receiveConcurrency,
        heal:
          config.queueUrl !== undefined && queue.url === config.queueUrl
            ? undefined
            : this.healer(topic, config.fanOut ? options.group : undefined),
        maxMessageBytes:
          config.fanOut && deadLetter?.kind === 'topic' ? SNS_MAX_MESSAGE_BYTES : SQS_MAX_MESSAGE_BYTES,
        deadLetter: deadLetter === undefined ? undefined : this.deadLetterSender(deadLetter),
      }),
    );
  }

  /** With auto-creation on: re-creates a topic's vanished queue / SNS topic / group queue. */
  private healer(topic: string, group?: string): (() => Promise<void>) | undefined {
    if (!this.config.autoCreate) return undefined;
    return () => this.resources.heal(topic, group);
  }

  /** Moves one event to a dead-letter target (SendMessage to a queue, or Publish to an SNS topic). */
  private deadLetterSender(target: DeadLetterTarget): DeadLetterSend {
    const fifo = this.config.fifo;
    const ids = (event: Event) =>
      fifo
        ? {
            MessageGroupId: groupIdFor(event.key, event.id),
            MessageDeduplicationId: deduplicationIdFor(event.source, event.id),
          }
        : {};
    if (target.kind === 'queue') {
      const { url, name } = target.queue;
      return {
        name,
        send: async (event, m) => {
          try {
            await this.sqs.send(
              new SendMessageCommand({
                QueueUrl: url,
                MessageBody: m.body,
                MessageAttributes: m.attributes,
                ...ids(event),
              }),
              { requestTimeout: REQUEST_TIMEOUT_MS },
            );
          } catch (err) {
            throw mapAwsError(err, `dead-letter to queue ${name}`);
          }
        },
      };
    }
    const sns = this.sns!;
    return {
      name: target.name,
      send: async (event, m) => {
        try {
          await sns.send(
            new PublishCommand({
              TopicArn: target.arn,
              Message: m.body,
              MessageAttributes: m.attributes,
              ...ids(event),
            }),
            { requestTimeout: REQUEST_TIMEOUT_MS },
          );
        } catch (err) {
          throw mapAwsError(err, `dead-letter to SNS topic ${target.name}`);
        }
      },
    };
  }

  createTopic(topic: string): Promise<void> {
    this.assertOpen();
    return this.resources.createTopic(topic);
  }

  deleteTopic(topic: string): Promise<void> {
    this.assertOpen();
    return this.resources.deleteTopic(topic);
  }

  raw(): SqsNative {
    const resources = this.resources;
    const fanOut = this.config.fanOut;
    this.native ??= Object.freeze({
      sqs: this.sqs,
      sns: this.sns,
      queueUrl: async (topic: string, group = 'default') =>
        (fanOut ? await resources.groupQueue(topic, group) : await resources.topicQueue(topic)).url,
    });
    return this.native;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.open].map((o) => o.close()));
    this.sqs.destroy();
    this.poller.destroy();
    this.sns?.destroy();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(this.describe());
  }

  private track<T extends { close(): Promise<void> }>(o: T): T {
    this.open.add(o);
    const close = o.close.bind(o);
    o.close = () => {
      this.open.delete(o);
      return close();
    };
    return o;
  }
}

/**
 * Receives SQS's RedrivePolicy allows (maxReceiveCount) for a retry budget of
 * `attempts` handler attempts. SQS counts receives, and some receives reach no
 * handler (a closing consumer's buffered and held-back messages, a visibility
 * lost to a failed renewal, a FIFO group given back after a failed delete):
 * EventPort does not count those as attempts, so SQS's count can run ahead of
 * the handler's. The margin keeps SQS's own redrive from firing before
 * EventPort's dead-letter decision (which moves the message with the reason)
 * unless a message went through more than REDRIVE_MARGIN such receives; it still
 * catches messages whose consumers crash. (FIFO nacks behind held-back messages
 * are retried in place, with no receive at all.)
 */
export const REDRIVE_MARGIN = 10;
export function nativeRedriveCount(attempts: number): number {
  return Math.min(1000, attempts + REDRIVE_MARGIN);
}

/** Registered for the `sqs` scheme. */
export const sqsDriverFactory: DriverFactory = {
  scheme: 'sqs',
  packageName: '@eventport/sqs',
  create: (url, options) => new SqsDriver(parseSqsConfig(url, options)),
};
