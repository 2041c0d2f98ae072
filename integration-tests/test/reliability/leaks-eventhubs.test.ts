/**
 * Leak checks of @eventport/eventhubs on EventPort's Event Hubs emulator with checkpoints on
 * Azurite (issue 16):
 *
 * - connect/produce/consume/close cycles leave no timer or socket behind and grow the heap after a
 *   forced GC by less than 4 MiB: CI_CYCLES in the normal suite, 50 under `EVENTPORT_LEAK_FULL=1`
 *   (each cycle claims partition ownership through the blob store and opens AMQP links for four
 *   partitions: seconds a cycle);
 * - one long-lived consumer handles CI_EVENTS events in the normal suite, 1,000,000 under the flag
 *   (bounded in time; the full run reports how many the emulator moved); heap growth after GC under
 *   8 MiB, handles flat, none left after close.
 *
 * Figures of the full runs: integration-tests/SOAK-RESULTS.md ("Leak checks").
 *
 * @brokers eventhubs azurite
 */
import { uniqueName } from '../support/env.js';
import { connectEventHubs } from '../eventhubs/support/eventhubs.js';
import { expectNoLeak, LEAK_FULL, leakCycles, runLeakCycles } from './support/leak-cycles.js';
import { expectLongLivedBounded, runLongLived } from './support/long-lived.js';

const CI_CYCLES = 10;
const CI_EVENTS = 1_000;
const CYCLES = leakCycles(CI_CYCLES);
const EVENTS = LEAK_FULL ? 1_000_000 : CI_EVENTS;
const LONG_MAX_MS = LEAK_FULL ? 240_000 : 60_000;

it(
  `${CYCLES} connect/produce/consume/close cycles on the Event Hubs emulator leave no handle behind and do not grow the heap`,
  async () => {
    const result = await runLeakCycles(
      {
        connect: () => connectEventHubs(),
        topic: uniqueName('leak-eh'),
        consumer: { group: 'leak', from: 'earliest' },
        receiveTimeoutMs: 20_000,
      },
      CYCLES,
      // the first cycles after one warm-up still grew the heap by ~2.4 MB over 25, the next 75 by
      // +0.2, +0.5, -0.4 MB per 25 (SDK caches filling, not a leak): five warm-ups keep that out
      { warmUp: 5 },
    );
    // bound: 4 MiB over the cycles (AMQP connections, links or blob clients kept per cycle would exceed it)
    expectNoLeak(result, 4 * 1024 * 1024);
  },
  LEAK_FULL ? 900_000 : 120_000,
);

it(
  `one long-lived consumer on the Event Hubs emulator handles ${EVENTS} events: heap and handles bounded, none left after close`,
  async () => {
    const result = await runLongLived(
      {
        connect: () => connectEventHubs(),
        topic: uniqueName('leak-eh-long'),
        consumer: { group: 'leak-long', from: 'earliest', concurrency: 16 },
        batch: 200,
        window: 4_000,
      },
      EVENTS,
      { maxMs: LONG_MAX_MS },
    );
    expectLongLivedBounded(result, { heapBoundBytes: 8 * 1024 * 1024, allowShort: LEAK_FULL });
  },
  LONG_MAX_MS + 180_000,
);
