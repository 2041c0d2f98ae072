/**
 * Leak checks of @eventport/kafka (issue 16) against the real broker:
 *
 * - connect/produce/consume/close cycles leave no timer or socket behind and grow the heap after a
 *   forced GC by less than 4 MiB: CI_CYCLES in the normal suite, 50 under `EVENTPORT_LEAK_FULL=1`
 *   (each cycle joins and leaves a consumer group: 0.3 s idle, seconds when the broker is busy);
 * - one long-lived consumer handles CI_EVENTS events in the normal suite, 1,000,000 under the flag
 *   (bounded in time); heap growth after GC under 8 MiB, handles flat, none left after close.
 *
 * Figures of the full runs: integration-tests/SOAK-RESULTS.md ("Leak checks").
 *
 * @brokers kafka
 */
import '@eventport/kafka';
import { uniqueName } from '../support/env.js';
import { kafkaUrl } from '../kafka/support/kafka.js';
import { expectNoLeak, LEAK_FULL, leakCycles, quietConnect, runLeakCycles } from './support/leak-cycles.js';
import { expectLongLivedBounded, runLongLived } from './support/long-lived.js';

const CI_CYCLES = 50;
const CI_EVENTS = 5_000;
const CYCLES = leakCycles(CI_CYCLES);
const EVENTS = LEAK_FULL ? 1_000_000 : CI_EVENTS;
const LONG_MAX_MS = LEAK_FULL ? 600_000 : 60_000;

async function newTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = await quietConnect(kafkaUrl());
  try {
    await admin.createTopic(topic);
  } finally {
    await admin.close();
  }
  return topic;
}

it(
  `${CYCLES} connect/produce/consume/close cycles on Kafka leave no handle behind and do not grow the heap`,
  async () => {
    const result = await runLeakCycles(
      {
        connect: () => quietConnect(kafkaUrl()),
        topic: await newTopic('leak-kafka'),
        consumer: { group: 'leak', from: 'earliest' },
        receiveTimeoutMs: 20_000,
      },
      CYCLES,
      { warmUp: 1 },
    );
    // bound: 4 MiB over the cycles (a kafkajs client with its connections kept per cycle would exceed it)
    expectNoLeak(result, 4 * 1024 * 1024);
  },
  LEAK_FULL ? 600_000 : 120_000,
);

it(
  `one long-lived Kafka consumer handles ${EVENTS} events: heap and handles bounded, none left after close`,
  async () => {
    const result = await runLongLived(
      {
        connect: () => quietConnect(kafkaUrl()),
        topic: await newTopic('leak-kafka-long'),
        consumer: { group: 'leak-long', from: 'earliest', concurrency: 16 },
        batch: 500,
        window: 5_000,
      },
      EVENTS,
      { maxMs: LONG_MAX_MS },
    );
    expectLongLivedBounded(result, { heapBoundBytes: 8 * 1024 * 1024, allowShort: LEAK_FULL });
  },
  LONG_MAX_MS + 180_000,
);
