import { CapabilityReport } from '@eventport/core/driver';

/**
 * What EventPort on Azure Event Hubs honours. Native = Event Hubs (with its client and the blob
 * checkpoint store) does it; emulated = EventPort does it on top and says how; unsupported = why
 * not. Event Hubs itself delivers at least once: progress is a checkpoint per partition and
 * consumer group, so a consumer that restarts reads again from its last checkpoint. Proven against
 * the project's Event Hubs emulator by the conformance suite
 * (integration-tests/test/eventhubs/conformance.test.ts).
 */
export function eventHubsCapabilities(maxEventSize: number): CapabilityReport {
  return new CapabilityReport('eventhubs', 'default', {
    'publish.at-most-once': {
      level: 'native',
      detail:
        'one send per batch, no client retries (retryOptions.maxRetries 0) and EventPort does not retry',
    },
    'publish.at-least-once': {
      level: 'native',
      detail:
        'a batch is acknowledged by the service once stored; the client does not retry (maxRetries 0): EventPort retries with backoff',
    },
    'publish.idempotent': {
      level: 'unsupported',
      detail:
        "Event Hubs' idempotent publishing exists only in the buffered producer (enableIdempotentRetries, per-partition sequence numbers) and only within one producer's lifetime; EventPort does not use it, so a resend writes a second copy (the consumer's exactly-once absorbs it)",
    },
    'consume.at-most-once': {
      level: 'emulated',
      detail: 'EventPort checkpoints an event before its handler runs; a failed handler is not retried',
    },
    'consume.at-least-once': {
      level: 'native',
      detail:
        'blob checkpoints per partition and consumer group, written only past settled events (contiguous per partition), every commitIntervalMs and on close; a new owner resumes after the checkpoint',
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail:
        'Event Hubs gives at-least-once only (a checkpoint lags the handler; a crash replays since the last one); EventPort adds the idempotent consumer: source+id recorded in the idempotency store after the handler, before the checkpoint',
    },
    'order.per-key': {
      level: 'native',
      detail:
        'event key -> partition key (the service hashes it to one partition); a partition is read in order and EventPort runs same-key events one at a time',
    },
    'order.global': {
      level: 'unsupported',
      detail: 'Event Hubs orders events per partition only; different partitions interleave',
    },
    'fan-out': {
      level: 'native',
      detail:
        'one consumer group per EventPort group: every group reads the whole hub with its own checkpoints',
    },
    'competing-consumers': {
      level: 'native',
      detail:
        "a group's consumers split the partitions by ownership claims in the blob checkpoint store (load balancing); parallelism is bounded by the partition count",
    },
    nack: {
      level: 'emulated',
      detail:
        'Event Hubs has no per-event nack: EventPort retries in place, holding the key and the partition checkpoint until the retry settles',
    },
    'redelivery-delay': {
      level: 'emulated',
      detail:
        'the in-place retry waits the requested delay (or the backoff) before running the handler again',
    },
    'dead-letter': {
      level: 'emulated',
      detail:
        'Event Hubs has no dead-letter: after the last attempt the event is sent to the hub <hub>.dlq (configurable) with deadletterreason and deadletterattempts as cloudEvents: properties, then checkpointed past',
    },
    replay: {
      level: 'native',
      detail:
        'a group without checkpoints starts at the earliest or latest event, a sequence number (offset) or an enqueued time',
    },
    retention: {
      level: 'native',
      detail:
        "events stay for the hub's retention period (1 hour to 90 days by tier), whether consumed or not",
    },
    'delayed-delivery': {
      level: 'unsupported',
      detail:
        'Event Hubs has no per-event visibility time; holding an event back would stall every later event of its partition',
    },
    'batch.publish': {
      level: 'native',
      detail: 'one AMQP transfer per batch (createBatch sized by the link)',
    },
    'batch.consume': {
      level: 'native',
      detail: 'the receiver link prefetches events by credit; they arrive in batches',
    },
    'lease-extension': {
      level: 'native',
      detail:
        'no per-event lease: a partition stays with its owner while the load balancer renews the ownership claim, however long a handler runs',
    },
    'max-event-size': {
      level: 'native',
      detail:
        'maxEventSize option; default 1 MiB - 4 KiB (the Standard tier accepts 1 MB per batch); larger events fail before the network',
      limit: maxEventSize,
    },
    pull: { level: 'native', detail: 'consumers read partitions over AMQP receiver links with prefetch' },
    push: {
      level: 'unsupported',
      detail: 'Event Hubs has no push delivery (Event Grid can route its events)',
    },
  });
}
