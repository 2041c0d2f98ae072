import type { Admin, ITopicConfig } from 'kafkajs';
import { BrokerUnavailableError } from '@eventport/core/driver';
import { mapKafkaError, protocolType } from './errors.js';

/** How long a new topic may take to get a leader for every partition. */
export const TOPIC_READY_TIMEOUT_MS = 30_000;

/** Errors a topic that was just created gives while its partitions' leaders are not known yet. */
const NOT_READY_YET = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_OR_FOLLOWER',
]);

/**
 * Creates a topic (an existing one is fine) and waits until every partition has a leader.
 * kafkajs' own wait (`waitForLeaders`) gives up after the client's few retries (about 3 s);
 * a broker under load can take longer to publish a new topic's metadata, and the error it
 * gives meanwhile (UNKNOWN_TOPIC_OR_PARTITION) would otherwise read as a missing topic. So
 * those errors mean "not ready yet": the metadata is polled until the leaders are known, up
 * to `timeoutMs`, after which a retryable BrokerUnavailableError says so. Idempotent.
 */
export async function createTopicAndWait(
  admin: Pick<Admin, 'createTopics' | 'fetchTopicMetadata'>,
  spec: ITopicConfig,
  timeoutMs = TOPIC_READY_TIMEOUT_MS,
): Promise<void> {
  const what = `creating topic "${spec.topic}"`;
  try {
    await admin.createTopics({ topics: [spec], waitForLeaders: true });
    return;
  } catch (err) {
    if (!isAlreadyExists(err) && !NOT_READY_YET.has(protocolType(err) ?? '')) throw mapKafkaError(err, what);
    if (isAlreadyExists(err)) return;
  }
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let pause = 100; Date.now() < deadline; pause = Math.min(1_000, pause * 2)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [spec.topic] });
      const partitions = topics.find((t) => t.name === spec.topic)?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    } catch (err) {
      if (!NOT_READY_YET.has(protocolType(err) ?? '')) throw mapKafkaError(err, what);
      last = err;
    }
  }
  throw new BrokerUnavailableError(`${what}: its partitions had no leader within ${timeoutMs} ms`, {
    cause: last,
  });
}

/** Whether `err` (or every error it carries) says the topic exists already. */
export function isAlreadyExists(err: unknown): boolean {
  if (protocolType(err) === 'TOPIC_ALREADY_EXISTS') return true;
  const errors = (err as { errors?: unknown[] } | null)?.errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => protocolType(e) === 'TOPIC_ALREADY_EXISTS')
  );
}
