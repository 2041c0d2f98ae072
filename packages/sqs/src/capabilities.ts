import { CapabilityReport } from '@eventport/core/driver';
import type { SqsConfig } from './config.js';

/** SQS: a message (body + attributes) and a SendMessageBatch request are at most 1 MiB. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** SNS: a message (body + attributes) and a PublishBatch request are at most 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
/**
 * Bytes of the broker's limit kept for EventPort's attribute encoding (names such
 * as `ce_source`, the `String` data types, the packed `ce_ext` JSON): the portable
 * size check uses `limit = broker maximum - reserve`; the driver checks the exact
 * encoded size before sending as well.
 */
export const ATTRIBUTE_RESERVE = 1024;
/**
 * The declared maximum event size (in the portable measure, `eventSize`) for a
 * broker limit: what is left after the attribute reserve, times 3/4 because
 * binary data travels base64-encoded. Every event within it fits on the wire.
 */
export function declaredMaxEventSize(wireMax: number): number {
  return Math.floor(((wireMax - ATTRIBUTE_RESERVE) * 3) / 4);
}

/** SQS DelaySeconds: at most 15 minutes. */
export const MAX_DELAY_MS = 15 * 60 * 1000;

/** The variant name in the report: "standard", "fifo", "standard+sns", "fifo+sns". */
export function variantOf(config: Pick<SqsConfig, 'fifo' | 'fanOut'>): string {
  return `${config.fifo ? 'fifo' : 'standard'}${config.fanOut ? '+sns' : ''}`;
}

/** What SQS honours for this configuration (standard vs FIFO, plain queues vs SNS fan-out). */
export function sqsCapabilities(config: Pick<SqsConfig, 'fifo' | 'fanOut'>): CapabilityReport {
  const { fifo, fanOut } = config;
  const wireMax = fanOut ? SNS_MAX_MESSAGE_BYTES : SQS_MAX_MESSAGE_BYTES;
  const publishVia = fanOut ? 'SNS PublishBatch' : 'SendMessageBatch';
  return new CapabilityReport('sqs', variantOf(config), {
    'publish.at-most-once': {
      level: 'native',
      detail: `one ${publishVia} attempt; a failure is reported, not retried`,
    },
    'publish.at-least-once': {
      level: 'native',
      detail: `${publishVia} with per-entry results; failed entries are retried with backoff by EventPort`,
    },
    'publish.idempotent': fifo
      ? {
          level: 'native',
          detail:
            'MessageDeduplicationId = SHA-256 of the event source + id: resends within the 5-minute window are dropped',
        }
      : {
          level: 'unsupported',
          detail: 'standard queues have no deduplication; use a FIFO queue (fifo=true)',
        },
    'consume.at-most-once': {
      level: 'emulated',
      detail: 'EventPort deletes each message right after receiving it, before the handler runs',
    },
    'consume.at-least-once': {
      level: 'native',
      detail:
        'a message is deleted only after its handler succeeded; otherwise it reappears when its visibility timeout ends',
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail: fifo
        ? 'idempotent consumer (processed source+id remembered in the idempotency store) plus visibility heartbeats; FIFO adds no duplicates'
        : 'idempotent consumer (processed source+id remembered in the idempotency store) plus visibility heartbeats; catches standard-queue duplicates',
    },
    'order.per-key': fifo
      ? {
          level: 'native',
          detail: 'MessageGroupId = event key: one message group per key, delivered in order',
        }
      : {
          level: 'unsupported',
          detail: 'standard queues order best-effort only; use a FIFO queue (fifo=true)',
        },
    'order.global': {
      level: 'unsupported',
      detail: fifo
        ? 'FIFO orders within a message group (one key) only'
        : 'standard queues order best-effort only',
    },
    'fan-out': fanOut
      ? {
          level: 'native',
          detail:
            'the topic is an SNS topic; each group reads its own SQS queue subscribed with raw message delivery',
        }
      : {
          level: 'unsupported',
          detail:
            'a queue gives each message to one consumer whatever the group; connect with fanOut=true (SNS topic + a queue per group)',
        },
    'competing-consumers': {
      level: 'native',
      detail: 'consumers of one queue share its messages one by one (visibility timeout)',
    },
    nack: { level: 'native', detail: 'ChangeMessageVisibility: the message becomes visible again' },
    'redelivery-delay': {
      level: 'native',
      detail: 'ChangeMessageVisibility with the delay rounded up to whole seconds (at most 12 h)',
      limit: 12 * 3600 * 1000,
    },
    'dead-letter': {
      level: 'native',
      detail:
        'a message whose handler exhausted its attempts (handler attempts, not receives) is moved at once with the reason; a dead-letter queue is created and attached on request as a RedrivePolicy with maxReceiveCount = retry attempts + 10, since SQS counts receives, some reach no handler (a closing consumer gives back what it held), and its redrive must not fire before the handler had its attempts: it catches consumers that crash',
    },
    replay: {
      level: 'unsupported',
      detail: 'SQS deletes a message once it is consumed; there is no log to seek in',
    },
    retention: {
      level: 'unsupported',
      detail: 'a consumed (deleted) message is gone; retention only bounds unconsumed messages',
    },
    'delayed-delivery': fanOut
      ? { level: 'unsupported', detail: 'SNS has no per-message delay' }
      : fifo
        ? { level: 'unsupported', detail: 'FIFO queues take a delay per queue only, not per message' }
        : { level: 'native', detail: 'DelaySeconds, rounded up to whole seconds', limit: MAX_DELAY_MS },
    'batch.publish': {
      level: 'native',
      detail: `${publishVia}: up to 10 entries and ${wireMax / 1024} KiB per request`,
    },
    'batch.consume': {
      level: 'native',
      detail: 'ReceiveMessage takes up to 10 messages; DeleteMessageBatch settles up to 10',
    },
    'lease-extension': {
      level: 'native',
      detail:
        'visibility heartbeats: ChangeMessageVisibility while the handler runs, from the deadline a message really has when it is handed over (a held-back FIFO message used part of its visibility); a renewal counts once SQS confirmed it and a failed one is retried',
    },
    'max-event-size': {
      level: 'native',
      detail: `${wireMax / 1024} KiB per message on the wire (body + attribute names, types, values), less ${ATTRIBUTE_RESERVE} bytes for attribute encoding, times 3/4 since binary data travels base64-encoded; the exact wire size is checked again before sending`,
      limit: declaredMaxEventSize(wireMax),
    },
    pull: { level: 'native', detail: 'ReceiveMessage long polling' },
    push: { level: 'unsupported', detail: 'SQS is pull-only' },
  });
}
