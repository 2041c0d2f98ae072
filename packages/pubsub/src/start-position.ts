import { ConfigError, type StartPosition } from '@eventport/core/driver';

/** Longer than any message retention Pub/Sub allows (topics: 31 days): a seek there reaches the oldest retained message. */
const BEFORE_ANY_RETENTION_MS = 32 * 24 * 3600 * 1000;

/** A protobuf Timestamp. */
export interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

/**
 * Where a subscription this connection has just created is moved to with Seek, or undefined when
 * it stays where Pub/Sub starts it (at its creation). Applied once, at creation: a group whose
 * subscription exists keeps its position, as a Kafka group with a committed offset does.
 *
 * - `earliest`: a time before the oldest message any retention keeps; with topic message retention
 *   that reaches messages published before the subscription existed.
 * - a time: that time; messages the service received before it are marked acknowledged, later
 *   retained ones unacknowledged (publish times are the service's clock).
 * - `latest`: no seek on the service. Google's emulator gives a new subscription of a topic with
 *   retention the topic's whole backlog, so against an emulator the subscription is moved to
 *   `createdAfter` (a time taken just before the create request, on the same machine's clock).
 * - an offset: Pub/Sub has none — a ConfigError.
 */
export function seekTimeFor(from: StartPosition, createdAfter: Date, emulator: boolean): Date | undefined {
  checkStartPosition(from);
  if (from === 'earliest') return new Date(createdAfter.getTime() - BEFORE_ANY_RETENTION_MS);
  if (from === 'latest') return emulator ? createdAfter : undefined;
  return (from as { readonly time: Date }).time;
}

/** @throws ConfigError for a start position Pub/Sub cannot take (an offset). */
export function checkStartPosition(from: StartPosition): void {
  if (typeof from === 'object' && 'offset' in from) {
    throw new ConfigError(
      'from',
      'Pub/Sub has no offsets: start from "earliest", "latest" or { time: Date }',
    );
  }
}

/**
 * A Date as a protobuf Timestamp, to the millisecond. (`Subscription.seek(date)` of
 * `@google-cloud/pubsub` 5 sends milliseconds × 1000 as nanos, i.e. microseconds: a seek lands up
 * to a second early. EventPort calls the Seek RPC with this instead.)
 */
export function toTimestamp(d: Date): Timestamp {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}
