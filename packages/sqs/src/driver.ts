import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSClient } from '@aws-sdk/client-sns';
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
import { sqsCapabilities, variantOf } from './capabilities.js';
import { createSnsClient, createSqsClient } from './clients.js';
import { parseSqsConfig, type SqsConfig } from './config.js';
import { nameOfArn } from './names.js';
import { SqsReceiver } from './receiver.js';
import { Resources } from './resources.js';
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
  private readonly sns: SNSClient | undefined;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private closed = false;

  constructor(readonly config: SqsConfig) {
    this.capabilities = sqsCapabilities(config);
    this.sqs = createSqsClient(config);
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
      );
    } else {
      const queue = await this.resources.topicQueue(topic);
      sender = new SqsSender(
        queueTarget(this.sqs, queue.url, queue.name, config.fifo),
        config.sendConcurrency,
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
    const deadLetterQueue =
      options.deadLetter !== undefined
        ? await this.resources.deadLetterQueue(
            queue,
            options.deadLetter.topic,
            options.group,
            options.deadLetter.maxDeliveries,
          )
        : undefined;
    this.assertOpen();
    return this.track(
      new SqsReceiver(this.sqs, {
        queue,
        fifo: config.fifo,
        holdBackGroups: config.fifo && options.orderedByKey,
        leaseMs: options.leaseMs,
        waitTimeSeconds: config.waitTimeSeconds,
        concurrency: config.receiveConcurrency,
        deadLetterQueue,
      }),
    );
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
    return {
      sqs: this.sqs,
      sns: this.sns,
      queueUrl: async (topic, group = 'default') =>
        (fanOut ? await resources.groupQueue(topic, group) : await resources.topicQueue(topic)).url,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.open].map((o) => o.close()));
    this.sqs.destroy();
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

/** Registered for the `sqs` scheme. */
export const sqsDriverFactory: DriverFactory = {
  scheme: 'sqs',
  packageName: '@eventport/sqs',
  create: (url, options) => new SqsDriver(parseSqsConfig(url, options)),
};
