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
  EventTooLargeError,
  type DriverSender,
  type OutgoingEvent,
  type SendOutcome,
} from '@eventport/core/driver';
import { MAX_DELAY_MS, SNS_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from './capabilities.js';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { mapAwsError, mapEntryError } from './errors.js';
import { deduplicationIdFor, groupIdFor } from './names.js';
import { encodeMessage, type EncodedMessage } from './wire.js';

/** Entries per SendMessageBatch / PublishBatch request. */
export const MAX_BATCH_ENTRIES = 10;

/** One request's worth of entries: indexes into the batch the portable layer gave. */
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
 * Sends batches as SendMessageBatch (or SNS PublishBatch) requests: the batch the
 * portable layer cut is split into requests of at most 10 entries and the
 * broker's byte limit, checked entry by entry before anything is sent (an entry
 * too large fails alone with EventTooLargeError). On a standard queue the
 * requests of one batch go out concurrently (`sendConcurrency`); on FIFO one at
 * a time, in order, so per-key order holds. Outcomes are per entry; the portable
 * layer retries the retryable failures. No retries here.
 *
 * FIFO stops at the first request with a failure (the whole request or one
 * entry): the requests after it are not sent and their entries fail as
 * retryable, so the portable layer retries them behind the failed ones, in order
 * (it retries a batch's failures before it sends anything later). Sending on
 * would let later entries of the failed ones' keys overtake them (one
 * ECONNRESET on the 2nd of 3 requests gave queue order 0-9, 20-29, 10-19).
 * Why stop rather than retry here before sending on: retries, their backoff and
 * budget belong to the portable layer (at-most-once must not retry at all), and
 * stopping costs only the requests not sent, on the failure path. The driver
 * cannot tell which later entries share a key with a failed one cheaply enough
 * to matter (MessageGroupId may be a digest), so it stops them all.
 */
export class SqsSender implements DriverSender {
  private closed = false;

  constructor(
    private readonly target: SendTarget,
    private readonly concurrency: number,
    /** Re-creates the queue or topic when it vanished (auto-creation on); absent: a missing one is final. */
    private readonly heal?: () => Promise<void>,
  ) {}

  async send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) throw new ClosedError(`sqs sender for ${this.target.describe()}`);
    const outcomes = new Array<SendOutcome>(batch.length);
    const chunks: Chunk[] = [];
    let current: Chunk = { indexes: [], messages: [] };
    let bytes = 0;
    const { maxBytes, fifo } = this.target;
    for (let i = 0; i < batch.length; i++) {
      const { event, delayMs } = batch[i]!;
      const message = encodeMessage(event);
      if (message.size > maxBytes) {
        outcomes[i] = { ok: false, error: new EventTooLargeError(message.size, maxBytes, event.id) };
        continue;
      }
      if (delayMs !== undefined && delayMs > 0 && (fifo || delayMs > MAX_DELAY_MS)) {
        const why = fifo
          ? 'FIFO queues take no per-message delay'
          : `must be at most ${MAX_DELAY_MS} ms (15 minutes)`;
        outcomes[i] = { ok: false, error: new ConfigError('delayMs', why) };
        continue;
      }
      if (
        current.indexes.length === MAX_BATCH_ENTRIES ||
        (current.indexes.length > 0 && bytes + message.size > maxBytes)
      ) {
        chunks.push(current);
        current = { indexes: [], messages: [] };
        bytes = 0;
      }
      current.indexes.push(i);
      current.messages.push(message);
      bytes += message.size;
    }
    if (current.indexes.length > 0) chunks.push(current);

    const width = fifo ? 1 : this.concurrency;
    let next = 0;
    let stopped = false;
    const worker = async (): Promise<void> => {
      while (next < chunks.length && !stopped) {
        const chunk = chunks[next++]!;
        let results: SendOutcome[];
        try {
          results = await this.target.send(chunk, batch);
        } catch (err) {
          const error = mapAwsError(err, `send to ${this.target.describe()}`);
          results = chunk.indexes.map(() => ({ ok: false, error }));
        }
        chunk.indexes.forEach((index, j) => (outcomes[index] = results[j]!));
        if (fifo && results.some((r) => !r.ok)) stopped = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, chunks.length) }, worker));
    if (stopped) {
      const error = new BrokerUnavailableError(
        `not sent to ${this.target.describe()}: an earlier request of the batch failed (FIFO order)`,
      );
      for (const chunk of chunks.slice(next))
        for (const index of chunk.indexes) outcomes[index] = { ok: false, error };
    }
    if (this.heal !== undefined && outcomes.some((o) => !o.ok && isMissing(o.error))) {
      // The destination vanished: re-create it and let the portable layer retry those entries.
      await this.heal().catch(() => undefined);
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
