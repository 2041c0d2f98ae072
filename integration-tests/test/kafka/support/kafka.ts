/**
 * Shared helpers of the Kafka suites: the broker address (from the integration project's global
 * setup), EventPort connections with test-friendly timings, a raw kafkajs client for looking at
 * what EventPort wrote, and bounded waits.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import '@eventport/kafka';
import { connect, silentLogger, type Broker, type ConnectExtras } from '@eventport/core';
import { requireEnv } from '../../support/env.js';

/** The bootstrap servers of the broker the global setup started (or an external one). */
export function kafkaBrokers(): string {
  return requireEnv('EVENTPORT_KAFKA_BROKERS');
}

/**
 * Timings for tests: a short session timeout (so that "heartbeats continue during a handler
 * slower than the session timeout" is tested for real), quick commits and fetch waits.
 */
export const TEST_QUERY =
  'sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200';

export function kafkaUrl(query = ''): string {
  const brokers = kafkaBrokers();
  return `kafka://${brokers}?${TEST_QUERY}${query === '' ? '' : `&${query}`}`;
}

/** An EventPort connection to the test broker (tracing off, quiet portable-layer logs). */
export function connectKafka(query = '', extras: ConnectExtras = {}): Promise<Broker> {
  return connect(kafkaUrl(query), { tracing: false, logger: silentLogger, ...extras });
}

/** A raw kafkajs client on the same broker. */
export function rawKafka(): Kafka {
  return new Kafka({
    clientId: 'eventport-test-raw',
    brokers: kafkaBrokers().split(','),
    logLevel: logLevel.NOTHING,
  });
}

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls until `predicate` holds; fails the test with `what` after `ms`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Committed offsets of a group on a topic, by partition (-1 = none). */
export async function committedOffsets(
  admin: Admin,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}
