import { CapabilityReport } from '@eventport/core/driver';
import type { EventGridMode } from './config.js';

/** Event Grid: 1 MB (1,048,576 bytes) per event, and per publish request. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Namespace topics: at most 1,000 events per publish request. */
export const NAMESPACE_MAX_EVENTS_PER_PUBLISH = 1000;
/** Basic topics: at most 5,000 events per publish request. */
export const BASIC_MAX_EVENTS_PER_PUBLISH = 5000;
/**
 * Bytes of the 1 MB kept for the structured-JSON attribute encoding (member names, quotes,
 * the `partitionkey` member, the batch brackets).
 */
export const ATTRIBUTE_RESERVE = 1024;
/**
 * The declared maximum event size in the portable measure (`eventSize`): what is left after the
 * reserve, times 3/4 since binary data travels as `data_base64`. The encoded JSON is checked
 * again before sending (JSON escaping can make text longer).
 */
export const DECLARED_MAX_EVENT_SIZE = Math.floor(((MAX_REQUEST_BYTES - ATTRIBUTE_RESERVE) * 3) / 4);
/** The release delays the service allows, in seconds. */
export const RELEASE_DELAYS_S = [0, 10, 60, 600, 3600] as const;

/** What Event Grid honours: namespace topics (pull) or basic topics (push to EventPort's endpoint). */
export function eventGridCapabilities(mode: EventGridMode): CapabilityReport {
  return mode === 'basic' ? basic() : namespace();
}

function namespace(): CapabilityReport {
  return new CapabilityReport('eventgrid', 'namespace', {
    'publish.at-most-once': {
      level: 'native',
      detail: 'one publish request per batch; a failure is reported, not retried',
    },
    'publish.at-least-once': {
      level: 'native',
      detail:
        'the namespace answers a publish once the events are stored; failed requests are retried with backoff by EventPort',
    },
    'publish.idempotent': {
      level: 'unsupported',
      detail: 'Event Grid does not deduplicate events by id: a resend is a second event',
    },
    'consume.at-most-once': {
      level: 'emulated',
      detail: 'EventPort acknowledges each event before its handler runs',
    },
    'consume.at-least-once': {
      level: 'native',
      detail:
        'receive locks each event; it is acknowledged only after its handler succeeded, otherwise it is delivered again when released or when its lock expires',
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail:
        'idempotent consumer (processed source+id remembered in the idempotency store) plus lock renewal; catches redeliveries after lock expiry and producer resends',
    },
    'order.per-key': {
      level: 'unsupported',
      detail: 'Event Grid does not order deliveries; the key travels as the partitionkey extension only',
    },
    'order.global': { level: 'unsupported', detail: 'Event Grid does not order deliveries' },
    'fan-out': {
      level: 'native',
      detail:
        'group = event subscription: every subscription of a namespace topic receives every event (subscriptions are made on the service; the emulator makes them on first use)',
    },
    'competing-consumers': {
      level: 'native',
      detail: 'receivers of one event subscription share its events: each locked event goes to one of them',
    },
    nack: { level: 'native', detail: 'release: the event is available again (after the delay)' },
    'redelivery-delay': {
      level: 'native',
      detail:
        'release with releaseDelayInSeconds, which takes only 0, 10, 60, 600 or 3600 s: EventPort holds the lock for the part of the delay above the largest allowed value when that part is at most 30 s, then releases (5 s: hold 5 s, release 0; 25 s: hold 15 s, release 10 s; 90 s: hold 30 s, release 60 s), and otherwise rounds the delay UP to the next allowed value (45 s waits 60 s, 2 min waits 10 min); longer than 1 h waits 1 h',
      limit: 3600 * 1000,
    },
    'dead-letter': {
      level: 'emulated',
      detail:
        "reject dead-letters without a reason, so an event whose handler exhausted its attempts is published with the reason (deadletterreason, deadletterattempts extensions) to the dead-letter topic (default <topic>.dlq, namespace topic <topic>-dlq), then acknowledged. The subscription's own maxDeliveryCount and dead-letter destination, where configured on the service, still catch events whose consumers crash (reason MaxDeliveryCountExceeded). EventPort does not set maxDeliveryCount (subscriptions are made on the service; 1 to 10, default 10): attempts count handler attempts (the service's deliveryCount less the deliveries this process released unhandled), but the service counts every delivery, so keep maxDeliveryCount at least the retry budget plus a margin for deliveries no handler saw (releases by a consumer in another process, crashes). At 10 with the default budget of 5 the margin is 5; a budget of 10 leaves none, and a budget above 10 is never spent: the service dead-letters first",
    },
    replay: {
      level: 'unsupported',
      detail: 'an acknowledged event is gone; receive has no position to seek to',
    },
    retention: {
      level: 'unsupported',
      detail:
        'an acknowledged event is gone; the topic retention (1-7 days) only bounds unacknowledged events',
    },
    'delayed-delivery': { level: 'unsupported', detail: 'Event Grid has no scheduled publish' },
    'batch.publish': {
      level: 'native',
      detail: 'one publish request carries up to 1,000 events and 1 MB (application/cloudevents-batch+json)',
    },
    'batch.consume': {
      level: 'native',
      detail:
        'receive takes up to 100 events (maxEvents from the consumer); acknowledge/release settle up to 100 lock tokens per call',
    },
    'lease-extension': {
      level: 'native',
      detail:
        "renewLock while the handler runs; a renewal restarts the subscription's full lock duration (60-300 s, default 60 s) whatever extension is asked for, so keep leaseMs at or below it; limit: the shortest lock",
      limit: 60_000,
    },
    'max-event-size': {
      level: 'native',
      detail: `1 MB per event (as structured JSON), less ${ATTRIBUTE_RESERVE} bytes for attribute encoding, times 3/4 since binary data travels base64-encoded; the exact JSON size is checked again before sending`,
      limit: DECLARED_MAX_EVENT_SIZE,
    },
    pull: { level: 'native', detail: 'receive long-polls (maxWaitTime 10-120 s)' },
    push: {
      level: 'unsupported',
      detail:
        'namespace push subscriptions (to Event Hubs or webhooks) are not used by this variant; pull is used (basic topics, mode=basic, consume by push)',
    },
  });
}

const PUSH = "push: the service POSTs each event to EventPort's endpoint";

function basic(): CapabilityReport {
  return new CapabilityReport('eventgrid', 'basic', {
    'publish.at-most-once': {
      level: 'native',
      detail: 'one publish request (/api/events) per batch; a failure is reported, not retried',
    },
    'publish.at-least-once': {
      level: 'native',
      detail:
        'a publish to /api/events (CloudEvents schema) is answered once the topic stored the events; failures are retried with backoff by EventPort',
    },
    'publish.idempotent': {
      level: 'unsupported',
      detail: 'Event Grid does not deduplicate events by id: a resend is a second event',
    },
    'consume.at-most-once': {
      level: 'emulated',
      detail: `${PUSH}; EventPort answers 200 as soon as the event is handed to the handler`,
    },
    'consume.at-least-once': {
      level: 'native',
      detail: `${PUSH}; the answer (200) waits for the handler to succeed; anything else, or no answer within 30 s, makes the service deliver it again`,
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail:
        "idempotent consumer (processed source+id remembered in the idempotency store): catches the service's redeliveries (after a timeout, a lost answer) and producer resends",
    },
    'order.per-key': { level: 'unsupported', detail: 'Event Grid does not order deliveries' },
    'order.global': { level: 'unsupported', detail: 'Event Grid does not order deliveries' },
    'fan-out': {
      level: 'native',
      detail:
        'group = event subscription with its own webhook path (/eventgrid/{topic}/{group}): every subscription gets every event',
    },
    'competing-consumers': {
      level: 'native',
      detail:
        'consumers of one group in one process take turns on its webhook path; across processes, run them behind one load-balanced endpoint (an event subscription has one webhook URL)',
    },
    nack: {
      level: 'native',
      detail: 'answered 503: the service delivers the event again on its retry schedule',
    },
    'redelivery-delay': {
      level: 'unsupported',
      detail:
        'the service retries on its own schedule (10 s, 30 s, 1 min, 5 min, … with jitter); the delay a nack asks for is not honoured',
    },
    'dead-letter': {
      level: 'native',
      detail:
        "answered 400, which the service does not retry: it dead-letters the event at once to the subscription's dead-letter destination (a storage blob; dropped when none is configured) with reason UndeliverableDueToHttpBadRequest. The handler's reason goes in the 400 body and EventPort's log only: the service does not keep it. Also after the subscription's maxDeliveryAttempts (MaxDeliveryAttemptsExceeded)",
    },
    replay: { level: 'unsupported', detail: 'basic topics keep no log: events are pushed, then gone' },
    retention: {
      level: 'unsupported',
      detail:
        'basic topics keep no log: an undelivered event is retried for at most its time to live (1 day)',
    },
    'delayed-delivery': { level: 'unsupported', detail: 'Event Grid has no scheduled publish' },
    'batch.publish': {
      level: 'native',
      detail: 'one publish request carries up to 5,000 events and 1 MB (application/cloudevents-batch+json)',
    },
    'batch.consume': {
      level: 'native',
      detail:
        'a push carries one event, or up to maxEventsPerBatch with output batching (answered as a whole: one nack redelivers the batch)',
    },
    'lease-extension': {
      level: 'unsupported',
      detail:
        'a push waits 30 s for its answer and cannot be extended; a slower handler sees the event again',
    },
    'max-event-size': {
      level: 'native',
      detail: `1 MB per event (as structured JSON), less ${ATTRIBUTE_RESERVE} bytes for attribute encoding, times 3/4 since binary data travels base64-encoded; the exact JSON size is checked again before sending`,
      limit: DECLARED_MAX_EVENT_SIZE,
    },
    pull: { level: 'unsupported', detail: 'basic topics have no pull delivery; use a namespace topic' },
    push: {
      level: 'native',
      detail:
        "EventPort's push endpoint (node:http listener, or raw().pushHandler in your server) answers both validation handshakes, checks the shared secret (?secret=…), parses CloudEvents and Event Grid schema pushes and answers 200/503/400 by the handler's outcome",
    },
  });
}
