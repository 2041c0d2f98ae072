/**
 * Leak checks of @eventport/pubsub on Google's Pub/Sub emulator (issue 16):
 *
 * - connect/produce/consume/close cycles leave no timer or socket behind and grow the heap after a
 *   forced GC by less than 4 MiB: CI_CYCLES in the normal suite, 50 under `EVENTPORT_LEAK_FULL=1`
 *   (8.7 s per cycle measured over 50 while close cancelled its Pulls: the emulator handed the
 *   next cycle's events to the cancelled Pulls, so they came only after the 10 s ack deadline;
 *   close now waits for its Pulls, at most pullTimeoutMs. 4 keep the suite under a minute);
 * - one long-lived consumer handles CI_EVENTS events in the normal suite, 1,000,000 under the flag
 *   (bounded in time; the full run reports how many the emulator moved); heap growth after GC under
 *   8 MiB, handles flat, none left after close.
 *
 * Figures of the full runs: integration-tests/SOAK-RESULTS.md ("Leak checks").
 *
 * @brokers pubsub
 */
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { pubsubUrl } from '../pubsub/support/pubsub.js';
import { PrivateEmulator } from '../pubsub/support/private-emulator.js';
import { expectNoLeak, LEAK_FULL, leakCycles, quietConnect, runLeakCycles } from './support/leak-cycles.js';
import { expectLongLivedBounded, runLongLived } from './support/long-lived.js';

const CI_CYCLES = 4;
const CI_EVENTS = 1_000;
const CYCLES = leakCycles(CI_CYCLES);
const EVENTS = LEAK_FULL ? 1_000_000 : CI_EVENTS;
/** The full run's events go to an emulator of its own (see the long-lived test). */
let privateNode: PrivateEmulator | undefined;
afterAll(async () => {
  await privateNode?.destroy();
}, 30_000);
const LONG_MAX_MS = LEAK_FULL ? 120_000 : 60_000;

it(
  `${CYCLES} connect/produce/consume/close cycles on the Pub/Sub emulator leave no handle behind and do not grow the heap`,
  async () => {
    const result = await runLeakCycles(
      {
        connect: () => quietConnect(pubsubUrl()),
        topic: uniqueName('leak-pubsub'),
        // the shortest lease Pub/Sub allows: an event a closing consumer gave back unhandled comes
        // back to the next cycle at once; one a Pull left unanswered, when its ack deadline ends
        consumer: { group: 'leak', leaseMs: 10_000 },
        receiveTimeoutMs: 30_000,
      },
      CYCLES,
      { warmUp: 1 },
    );
    // bound: 4 MiB over the cycles (a Pub/Sub client with its gRPC channel kept per cycle would exceed it)
    expectNoLeak(result, 4 * 1024 * 1024);
  },
  LEAK_FULL ? 600_000 : 120_000,
);

it(
  `one long-lived consumer on the Pub/Sub emulator handles ${EVENTS} events: heap and handles bounded, none left after close`,
  async () => {
    // the full run on a private emulator: the emulator keeps messages in a 256 MiB heap, and a first
    // full run on the shared one (with an hour of other suites' topics in it) ran it out of memory
    let url = pubsubUrl();
    if (LEAK_FULL) {
      privateNode = await PrivateEmulator.create();
      await privateNode.start();
      url = pubsubUrl('', privateNode.host);
    }
    const result = await runLongLived(
      {
        connect: () => quietConnect(url),
        topic: uniqueName('leak-pubsub-long'),
        consumer: { group: 'leak-long', concurrency: 32 },
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
