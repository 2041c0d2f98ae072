import type { Topic } from '@google-cloud/pubsub';
import {
  BrokerUnavailableError,
  ClosedError,
  TopicNotFoundError,
  ConfigError,
  EventTooLargeError,
  type DriverSender,
  type OutgoingEvent,
  type SendOutcome,
} from '@eventport/core/driver';
import { MAX_BATCH_MESSAGES, PUBSUB_MAX_MESSAGE_BYTES } from './capabilities.js';
import { mapPubSubError } from './errors.js';
import { encodeMessage } from './wire.js';

/** The outcome of every published message (Pub/Sub's receipt carries nothing EventPort reports); shared, immutable. */
const PUBLISHED: SendOutcome = Object.freeze({ ok: true, receipt: Object.freeze({}) });

/** Settings of a sender's topic handle. */
export interface SenderSettings {
  readonly ordering: boolean;
  /** Deadline of one Publish request (ms). */
  readonly publishTimeoutMs: number;
}

/**
 * Publish options for a topic handle. The portable batcher already cut the batch (count, bytes,
 * linger): the client packs it into Publish requests of at most 1000 messages and 9 MB and sends
 * them at once (`flush`), so its own linger never adds latency. `gaxOpts.retry: null` switches off
 * the client's (gax) retries of Publish, so EventPort's retry policy is the only one; `timeout`
 * bounds one attempt.
 */
export function publishOptions(s: SenderSettings) {
  return {
    batching: { maxMessages: MAX_BATCH_MESSAGES, maxBytes: 9 * 1024 * 1024, maxMilliseconds: 1000 },
    messageOrdering: s.ordering,
    gaxOpts: { isBundling: false, retry: null, timeout: s.publishTimeoutMs },
  };
}

/**
 * Publishes batches to one topic. Outcomes are per message; nothing is retried here. With ordering
 * keys, a failed publish pauses its key in the client: the sender resumes it (`resumePublishing`)
 * once the batch settled, so the portable layer's retry goes out, in order, after every later
 * event of that key in the batch failed too (the client fails them while the key is paused).
 */
export class PubSubSender implements DriverSender {
  private closed = false;

  constructor(
    private readonly topic: Topic,
    private readonly name: string,
    private readonly settings: SenderSettings,
    /** Re-creates the topic when it vanished (auto-creation on); absent: a missing topic is final. */
    private readonly heal?: () => Promise<void>,
  ) {
    topic.setPublishOptions(publishOptions(settings));
  }

  async send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) throw new ClosedError(`pubsub sender for topic ${this.name}`);
    const outcomes = new Array<SendOutcome>(batch.length);
    const pending: Promise<void>[] = [];
    const failedKeys = new Set<string>();
    for (let i = 0; i < batch.length; i++) {
      const { event, delayMs } = batch[i]!;
      if (delayMs !== undefined && delayMs > 0) {
        outcomes[i] = { ok: false, error: new ConfigError('delayMs', 'Pub/Sub has no delayed delivery') };
        continue;
      }
      const m = encodeMessage(event, this.settings.ordering);
      if (m.size > PUBSUB_MAX_MESSAGE_BYTES) {
        outcomes[i] = {
          ok: false,
          error: new EventTooLargeError(m.size, PUBSUB_MAX_MESSAGE_BYTES, event.id),
        };
        continue;
      }
      pending.push(
        this.topic
          .publishMessage({ data: m.data, attributes: m.attributes, orderingKey: m.orderingKey })
          .then(
            () => {
              outcomes[i] = PUBLISHED;
            },
            (err: unknown) => {
              if (m.orderingKey !== undefined) failedKeys.add(m.orderingKey);
              outcomes[i] = { ok: false, error: mapPubSubError(err, `publish to ${this.name}`, this.name) };
            },
          ),
      );
    }
    if (pending.length > 0) {
      void this.topic.flush().catch(() => undefined); // failures arrive through each message's promise
      await Promise.all(pending);
    }
    for (const key of failedKeys) this.topic.resumePublishing(key);
    if (this.heal !== undefined && outcomes.some((o) => !o.ok && o.error instanceof TopicNotFoundError)) {
      // The topic vanished (deleted, an emulator restart): re-create it, and let the portable
      // layer retry those events.
      await this.heal().catch(() => undefined);
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        if (!o.ok && o.error instanceof TopicNotFoundError) {
          outcomes[i] = {
            ok: false,
            error: new BrokerUnavailableError(`topic ${this.name} was missing; re-created it`, {
              cause: o.error,
            }),
          };
        }
      }
    }
    return outcomes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.topic.flush().catch(() => undefined);
  }
}
