import { CapabilityReport } from '@eventport/core/driver';

/**
 * What EventPort on Kafka honours. Native = Kafka does it; emulated = EventPort does it on top of
 * Kafka and says how; unsupported = why not. Every claim is proven against a real broker by the
 * conformance suite (integration-tests/test/kafka/conformance.test.ts).
 */
export function kafkaCapabilities(maxEventSize: number): CapabilityReport {
  return new CapabilityReport('kafka', 'default', {
    'publish.at-most-once': {
      level: 'native',
      detail:
        'one produce request per batch, no client retries (kafkajs retries: 0, EventPort does not retry); acks=all',
    },
    'publish.at-least-once': {
      level: 'native',
      detail:
        'acks=all: the partition leader answers once every in-sync replica has the batch; EventPort retries with backoff until then',
    },
    'publish.idempotent': {
      level: 'emulated',
      detail:
        "Kafka's idempotent producer (producer id + per-partition sequence numbers, acks=all, one request in flight) writes a retried batch once; " +
        'on top, EventPort remembers for 5 minutes the ids this process wrote to each topic (up to 100,000) and answers a resend with the first receipt (duplicate: true). ' +
        "Not covered: a resend from another process or after a restart (the consumer's exactly-once absorbs those)",
    },
    'consume.at-most-once': {
      level: 'emulated',
      detail:
        "the fetched batch's offsets are committed before its events are handed to handlers; a failed handler is not retried",
    },
    'consume.at-least-once': {
      level: 'native',
      detail:
        'consumer-group offsets, committed only past settled events (contiguous per partition), every commitIntervalMs, before a rebalance revokes partitions, and on close',
    },
    'consume.exactly-once': {
      level: 'emulated',
      detail:
        'effects: idempotent consumer (source+id recorded in the idempotency store after the handler, before the offset commit). ' +
        'Kafka to Kafka (native): events a handler sends with ctx.send are written in a Kafka transaction together with the consumed offsets (sendOffsets with the next offset); ' +
        'read_committed readers see them once, even when the consumer crashes and the input is processed again',
    },
    'order.per-key': {
      level: 'native',
      detail:
        'key -> partition (murmur2, Java-compatible); a partition is read in order and EventPort runs same-key events one at a time',
    },
    'order.global': {
      level: 'unsupported',
      detail:
        'Kafka orders records per partition only; events of different keys on different partitions interleave',
    },
    'fan-out': { level: 'native', detail: 'every consumer group reads the whole topic with its own offsets' },
    'competing-consumers': {
      level: 'native',
      detail:
        "a group's members split the partitions (round-robin assignment); parallelism is bounded by the partition count",
    },
    nack: {
      level: 'emulated',
      detail:
        'Kafka has no per-record nack: EventPort retries in place, holding the key and the partition commit point until the retry settles',
    },
    'redelivery-delay': {
      level: 'emulated',
      detail:
        'the in-place retry waits the requested delay (or the backoff) before running the handler again',
    },
    'dead-letter': {
      level: 'emulated',
      detail:
        'after the last attempt the event is produced to <topic>.dlq (configurable) with deadletterreason and deadletterattempts in ce_ headers, then its offset is committed',
    },
    replay: {
      level: 'native',
      detail:
        'a new group starts at the earliest or latest offset, a given offset, or a time (ListOffsets by timestamp)',
    },
    retention: {
      level: 'native',
      detail:
        "records stay for the topic's retention.ms / retention.bytes (broker default 7 days), whether consumed or not",
    },
    'delayed-delivery': {
      level: 'unsupported',
      detail:
        'Kafka has no per-record visibility time; holding a record back would stall every later record of its partition',
    },
    'batch.publish': { level: 'native', detail: 'one produce request carries a record batch per partition' },
    'batch.consume': {
      level: 'native',
      detail: 'fetch requests return record batches (up to 1 MiB per partition)',
    },
    'lease-extension': {
      level: 'native',
      detail:
        'no per-record lease: a partition stays with its consumer while the member heartbeats, and heartbeats continue while handlers run (any duration)',
    },
    'max-event-size': {
      level: 'native',
      detail:
        "maxEventSize option; default 1 MiB - 1 KiB (the broker's message.max.bytes, 1 MiB + 12 B, less record framing)",
      limit: maxEventSize,
    },
    pull: { level: 'native', detail: 'consumers fetch with long polling (maxWaitTimeMs)' },
    push: { level: 'unsupported', detail: 'Kafka has no push delivery' },
  });
}
