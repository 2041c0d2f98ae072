import { CapabilityReport, type Capability } from '@eventport/core/driver';
import { MAX_RETENTION_S, type PubSubConfig } from './config.js';

/** Pub/Sub: a message (data + attributes + ordering key) and a publish request are at most 10 MB. */
export const PUBSUB_MAX_MESSAGE_BYTES = 10_000_000;
/** Bytes kept for the `ce-` prefixes, the content-type attribute and the ordering key. */
export const ATTRIBUTE_RESERVE = 4096;
/** Declared maximum event size (the portable measure): the wire maximum less the reserve. Data travels as raw bytes. */
export const MAX_EVENT_SIZE = PUBSUB_MAX_MESSAGE_BYTES - ATTRIBUTE_RESERVE;
/** modifyAckDeadline takes at most 600 s: the longest redelivery delay and lease step. */
export const MAX_ACK_DEADLINE_S = 600;
/** Messages per publish request and per Pull answer. */
export const MAX_BATCH_MESSAGES = 1000;

/**
 * Deliveries a subscription's dead-letter policy allows above the retry budget: Pub/Sub's
 * deliveryAttempt also counts deliveries no handler saw (messages given back at close, Pulls
 * cancelled with messages in them, crashed consumers), so the policy must not fire before
 * EventPort's last handler attempt.
 */
export const DELIVERY_ATTEMPTS_MARGIN = 10;

/** A configuration's variant; without `retentionSeconds`, the default retention. */
export type PubSubVariant = Pick<PubSubConfig, 'ordering' | 'exactlyOnce'> &
  Partial<Pick<PubSubConfig, 'retentionSeconds'>>;

/**
 * The variant name: "ordered", "unordered", "ordered+exactly-once", "unordered+exactly-once", with
 * "+no-retention" when retention is off.
 */
export function variantOf(c: PubSubVariant): string {
  const retention = c.retentionSeconds === 0 ? '+no-retention' : '';
  return `${c.ordering ? 'ordered' : 'unordered'}${c.exactlyOnce ? '+exactly-once' : ''}${retention}`;
}

/**
 * What Pub/Sub honours for this configuration (ordering keys on/off, exactly-once delivery on/off,
 * message retention on/off).
 */
export function pubsubCapabilities(c: PubSubVariant): CapabilityReport {
  const retentionSeconds = c.retentionSeconds ?? MAX_RETENTION_S;
  return new CapabilityReport('pubsub', variantOf(c), {
    'publish.at-most-once': {
      level: 'native',
      detail: 'one Publish request, the client retries nothing (gax retry: null); a failure is reported',
    },
    'publish.at-least-once': {
      level: 'native',
      detail:
        'Publish answers with message ids once stored; the client retries nothing and EventPort retries failures with backoff',
    },
    'publish.idempotent': {
      level: 'unsupported',
      detail: 'Pub/Sub has no publish deduplication; exactly-once consumers drop resends by source+id',
    },
    'consume.at-most-once': {
      level: 'emulated',
      detail: 'EventPort acknowledges each message before its handler runs',
    },
    'consume.at-least-once': {
      level: 'native',
      detail:
        'a message is acknowledged only after its handler succeeded; otherwise its ack deadline runs out and it is redelivered',
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail: c.exactlyOnce
        ? 'exactly-once delivery subscription (enableExactlyOnceDelivery: no redelivery after a successful ack, acks confirmed) plus the idempotency store (source+id) for effects'
        : 'idempotent consumer: processed source+id remembered in the idempotency store',
    },
    'order.per-key': c.ordering
      ? {
          level: 'native',
          detail:
            'ordering key = event key on publish (after a failed publish the key is resumed, its later events failed and retried in order); ordered subscription',
        }
      : {
          level: 'unsupported',
          detail: 'ordering keys are off in this configuration; connect with ordering=true',
        },
    'order.global': {
      level: 'unsupported',
      detail: 'Pub/Sub orders per ordering key only',
    },
    'fan-out': { level: 'native', detail: 'each group is its own subscription of the topic' },
    'competing-consumers': {
      level: 'native',
      detail: 'consumers of one subscription share its messages (ack deadlines)',
    },
    nack: c.ordering
      ? {
          level: 'emulated',
          detail:
            "per-key consumers read an ordered subscription, where a nack makes Pub/Sub redeliver every later message of the key (acknowledged ones too): EventPort retries in place, holding the key, its lease extended; consumers with ordering 'none' get ModifyAckDeadline 0",
        }
      : { level: 'native', detail: 'ModifyAckDeadline 0: the message is redelivered at once' },
    'redelivery-delay': c.ordering
      ? {
          level: 'emulated',
          detail:
            "the in-place retry waits the delay (ordered subscriptions); consumers with ordering 'none' get ModifyAckDeadline with the delay (at most 600 s)",
        }
      : {
          level: 'native',
          detail: 'ModifyAckDeadline with the delay rounded up to whole seconds (at most 600 s)',
          limit: MAX_ACK_DEADLINE_S * 1000,
        },
    'dead-letter': c.ordering
      ? {
          level: 'emulated',
          detail:
            'after the last in-place attempt EventPort publishes the event to <topic>.dlq (configurable) with deadletterreason and deadletterattempts, then acknowledges it; the subscription also has a dead-letter policy to <topic>.dlq (100 delivery attempts) for crash loops',
        }
      : {
          level: 'native',
          detail: `the subscription gets a dead-letter policy to <topic>.dlq (maxDeliveryAttempts = retry attempts + ${DELIVERY_ATTEMPTS_MARGIN}, 5 to 100: Pub/Sub counts deliveries no handler saw, such as messages a closing consumer gave back, so the policy cannot fire before the last handler attempt; with a budget above ${100 - DELIVERY_ATTEMPTS_MARGIN} attempts the margin shrinks to what is left below 100); a message whose handler exhausted its attempts is published there at once with the reason, then acknowledged. Attempts count handler attempts: deliveryAttempt less the deliveries this process gave back unhandled`,
        },
    ...retentionCapabilities(retentionSeconds),
    'delayed-delivery': {
      level: 'unsupported',
      detail: 'Pub/Sub has no per-message delivery time',
    },
    'batch.publish': {
      level: 'native',
      detail: `one Publish request carries up to ${MAX_BATCH_MESSAGES} messages and 10 MB`,
    },
    'batch.consume': {
      level: 'native',
      detail: `Pull returns up to ${MAX_BATCH_MESSAGES} messages; Acknowledge settles many ack ids at once`,
    },
    'lease-extension': {
      level: 'native',
      detail: 'ModifyAckDeadline while the handler runs (EventPort is the only lease keeper)',
    },
    'max-event-size': {
      level: 'native',
      detail: `10 MB per message (data + attributes + ordering key), less ${ATTRIBUTE_RESERVE} bytes for the ce- attribute encoding; the exact wire size is checked before sending`,
      limit: MAX_EVENT_SIZE,
    },
    pull: { level: 'native', detail: 'Pull requests with a wait, flow-controlled by maxInFlight' },
    push: {
      level: 'unsupported',
      detail: 'push subscriptions need an HTTPS endpoint; not offered yet',
    },
  });
}

/** Replay and retention: topic message retention plus retainAckedMessages, reached with Seek. */
function retentionCapabilities(seconds: number): Record<'replay' | 'retention', Capability> {
  if (seconds === 0) {
    return {
      replay: {
        level: 'unsupported',
        detail:
          'retention is off in this configuration (retentionSeconds=0): a subscription only has what was published after its creation',
      },
      retention: {
        level: 'unsupported',
        detail:
          'retention is off in this configuration (retentionSeconds=0): acknowledged messages are dropped',
      },
    };
  }
  return {
    replay: {
      level: 'native',
      detail:
        "a subscription created for a new group is moved with Seek: earliest → before the oldest retained message (topic message retention reaches messages published before the subscription existed), a time → that time (the service's publish times); latest starts at creation; no offsets. A group whose subscription exists keeps its position",
    },
    retention: {
      level: 'native',
      detail: `topics EventPort creates keep messages for retentionSeconds (${seconds} s; topic message retention) and its subscriptions keep acknowledged ones as long (retainAckedMessages); existing topics keep their own setting`,
      limit: seconds * 1000,
    },
  };
}
