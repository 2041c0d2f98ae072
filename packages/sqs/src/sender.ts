import {
  SendMessageBatchCommand,
  type SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import {
  BrokerUnavailableError,
  ClosedError,
  ConfigError,
  type DriverSender,
  type OutgoingEvent,
  type RequestLimits,
  type SendOutcome,
} from '@eventport/core/driver';
import { MAX_DELAY_MS, SNS_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from './capabilities.js';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { mapAwsError, mapEntryError } from './errors.js';
import { deduplicationIdFor, groupIdFor } from './names.js';
import { encodeMessage, type EncodedMessage } from './wire.js';

/** Entries per SendMessageBatch / PublishBatch request. */
export const MAX_BATCH_ENTRIES = 10;

/** One request's encoded entries: indexes into the request the portable layer gave. */
export interface Chunk {
  readonly indexes: number[];
  readonly messages: EncodedMessage[];
}

/** Where a sender delivers: an SQS queue or an SNS topic. */
export interface SendTarget {
  readonly maxBytes: number;
  readonly fifo: boolean;
  /** Sends one chunk; returns per-entry outcomes in chunk order. */
  send(chunk: Chunk, batch: readonly OutgoingEvent[]): Promise<SendOutcome[]>;
  describe(): string;
}

/**
 * Sends SendMessageBatch (or SNS PublishBatch) requests. The sender declares its requests'
 * shape (`requestLimits`: 10 entries and the broker's byte limit, measured on the encoded
 * message); the portable layer cuts each batch into requests that fit, fails an entry too large
 * on its own before the network, and runs `sendConcurrency` requests at once on a standard
 * queue, one at a time on FIFO (stopping at the first failed request so a retry keeps per-key
 * order: one ECONNRESET on the 2nd of 3 requests once gave queue order 0-9, 20-29, 10-19).
 * Each `send` call is one request; outcomes are per entry. No retries here.
 *
 * A queue or topic found missing while auto-creation is on is re-created (once at a time) and
 * its entries fail as retryable, so the portable layer resends them.
 */
export class SqsSender implements DriverSender {
  readonly requestLimits: RequestLimits;
  private closed = false;
  private healing: Promise<void> | undefined;

  constructor(
    private readonly target: SendTarget,
    concurrency: number,
    /** Re-creates the queue or topic when it vanished (auto-creation on); absent: a missing one is final. */
    private readonly heal?: () => Promise<void>,
  ) {
    this.requestLimits = {
      maxEntries: MAX_BATCH_ENTRIES,
      maxBytes: target.maxBytes,
      concurrency: target.fifo ? 1 : concurrency,
      entrySize: (event) => encodeMessage(event).size,
    };
  }

  async send(request: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) throw new ClosedError(`sqs sender for ${this.target.describe()}`);
    const outcomes = new Array<SendOutcome>(request.length);
    const chunk: Chunk = { indexes: [], messages: [] };
    const { fifo } = this.target;
    for (let i = 0; i < request.length; i++) {
      const { event, delayMs } = request[i]!;
      if (delayMs !== undefined && delayMs > 0 && (fifo || delayMs > MAX_DELAY_MS)) {
        const why = fifo
          ? 'FIFO queues take no per-message delay'
          : `must be at most ${MAX_DELAY_MS} ms (15 minutes)`;
        outcomes[i] = { ok: false, error: new ConfigError('delayMs', why) };
        continue;
      }
      chunk.indexes.push(i);
      chunk.messages.push(encodeMessage(event));
    }
    if (chunk.indexes.length === 0) return outcomes;
    let results: SendOutcome[];
    try {
      results = await this.target.send(chunk, request);
    } catch (err) {
      const error = mapAwsError(err, `send to ${this.target.describe()}`);
      results = chunk.indexes.map(() => ({ ok: false, error }));
    }
    chunk.indexes.forEach((index, j) => (outcomes[index] = results[j]!));
    if (this.heal !== undefined && outcomes.some((o) => !o.ok && isMissing(o.error))) {
      // The destination vanished: re-create it and let the portable layer retry those entries.
      this.healing ??= this.heal()
        .catch(() => undefined)
        .finally(() => (this.healing = undefined));
      await this.healing;
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        if (!o.ok && isMissing(o.error)) {
          outcomes[i] = {
            ok: false,
            error: new BrokerUnavailableError(`${this.target.describe()} was missing; re-created it`, {
              cause: o.error,
            }),
          };
        }
      }
    }
    return outcomes;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Sends to one SQS queue with SendMessageBatch. */
export function queueTarget(sqs: SQSClient, queueUrl: string, queueName: string, fifo: boolean): SendTarget {
  return {
    maxBytes: SQS_MAX_MESSAGE_BYTES,
    fifo,
    describe: () => `queue ${queueName}`,
    async send(chunk, batch) {
      const entries: SendMessageBatchRequestEntry[] = chunk.messages.map((m, j) => {
        const { event, delayMs } = batch[chunk.indexes[j]!]!;
        const entry: SendMessageBatchRequestEntry = {
          Id: String(j),
          MessageBody: m.body,
          MessageAttributes: m.attributes,
        };
        if (fifo) {
          entry.MessageGroupId = groupIdFor(event.key, event.id);
          entry.MessageDeduplicationId = deduplicationIdFor(event.source, event.id);
        } else if (delayMs !== undefined && delayMs > 0) {
          entry.DelaySeconds = Math.ceil(delayMs / 1000);
        }
        return entry;
      });
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }), {
        requestTimeout: REQUEST_TIMEOUT_MS,
      });
      return collect(chunk, out.Successful, out.Failed, `send to queue ${queueName}`);
    },
  };
}

/** Publishes to one SNS topic with PublishBatch (fan-out mode). */
export function topicTarget(sns: SNSClient, topicArn: string, topicName: string, fifo: boolean): SendTarget {
  return {
    maxBytes: SNS_MAX_MESSAGE_BYTES,
    fifo,
    describe: () => `SNS topic ${topicName}`,
    async send(chunk, batch) {
      const entries: PublishBatchRequestEntry[] = chunk.messages.map((m, j) => {
        const { event } = batch[chunk.indexes[j]!]!;
        const entry: PublishBatchRequestEntry = {
          Id: String(j),
          Message: m.body,
          MessageAttributes: m.attributes,
        };
        if (fifo) {
          entry.MessageGroupId = groupIdFor(event.key, event.id);
          entry.MessageDeduplicationId = deduplicationIdFor(event.source, event.id);
        }
        return entry;
      });
      const out = await sns.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        {
          requestTimeout: REQUEST_TIMEOUT_MS,
        },
      );
      return collect(chunk, out.Successful, out.Failed, `publish to SNS topic ${topicName}`);
    },
  };
}

/** The queue or topic does not exist (TopicNotFoundError or an error with its code). */
function isMissing(err: Error): boolean {
  return (err as { code?: unknown }).code === 'TOPIC_NOT_FOUND';
}

function collect(
  chunk: Chunk,
  successful: readonly { Id?: string }[] | undefined,
  failed: readonly { Id?: string; Code?: string; Message?: string; SenderFault?: boolean }[] | undefined,
  what: string,
): SendOutcome[] {
  const results = new Array<SendOutcome | undefined>(chunk.indexes.length);
  for (const s of successful ?? []) results[Number(s.Id)] = { ok: true, receipt: {} };
  for (const f of failed ?? []) results[Number(f.Id)] = { ok: false, error: mapEntryError(f, what) };
  return results.map(
    (r) =>
      r ?? {
        ok: false,
        error: mapEntryError({ Code: 'NoResult', SenderFault: false }, `${what}: no result for the entry`),
      },
  );
}
