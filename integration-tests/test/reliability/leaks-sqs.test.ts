/**
 * Leak checks of @eventport/sqs on ElasticMQ (issue 16):
 *
 * - connect/produce/consume/close cycles leave no timer or socket behind and grow the heap after a
 *   forced GC by less than 4 MiB: CI_CYCLES in the normal suite, 50 under `EVENTPORT_LEAK_FULL=1`
 *   (closing a subscription waits for its long poll, the harness's waitTimeSeconds=2: a cycle
 *   takes about 2.2 s);
 * - one long-lived consumer handles CI_EVENTS events in the normal suite, 1,000,000 under the flag
 *   (bounded in time: ElasticMQ moves 100-300 events a second here, so the full run reports
 *   how many it moved); heap growth after GC under 8 MiB, handles flat, none left after close.
 *
 * Figures of the full runs: integration-tests/SOAK-RESULTS.md ("Leak checks").
 *
 * @brokers elasticmq
 */
import '@eventport/sqs';
import { uniqueName } from '../support/env.js';
import { sqsTarget } from '../sqs/support/harness.js';
import { expectNoLeak, LEAK_FULL, leakCycles, quietConnect, runLeakCycles } from './support/leak-cycles.js';
import { expectLongLivedBounded, runLongLived } from './support/long-lived.js';

const CI_CYCLES = 12;
const CI_EVENTS = 500;
const CYCLES = leakCycles(CI_CYCLES);
const EVENTS = LEAK_FULL ? 1_000_000 : CI_EVENTS;
const LONG_MAX_MS = LEAK_FULL ? 240_000 : 60_000;

it(
  `${CYCLES} connect/produce/consume/close cycles on ElasticMQ leave no handle behind and do not grow the heap`,
  async () => {
    const result = await runLeakCycles(
      {
        connect: () => quietConnect(sqsTarget('elasticmq', 'standard')),
        topic: uniqueName('leak-sqs'),
        // a short lease: a long poll cut short by close() may still take the next cycle's events on
        // the server, and they come back only when their visibility timeout ends
        consumer: { group: 'leak', leaseMs: 2_000 },
        receiveTimeoutMs: 15_000,
      },
      CYCLES,
    );
    // bound: 4 MiB over the cycles (an SQS client, its agents and a consumer kept per cycle would exceed it)
    expectNoLeak(result, 4 * 1024 * 1024);
  },
  LEAK_FULL ? 600_000 : 120_000,
);

it(
  `one long-lived consumer on ElasticMQ handles ${EVENTS} events: heap and handles bounded, none left after close`,
  async () => {
    const result = await runLongLived(
      {
        connect: () => quietConnect(sqsTarget('elasticmq', 'standard')),
        topic: uniqueName('leak-sqs-long'),
        consumer: { group: 'leak-long', concurrency: 32 },
        batch: 100,
        window: 2_000,
      },
      EVENTS,
      { maxMs: LONG_MAX_MS },
    );
    expectLongLivedBounded(result, { heapBoundBytes: 8 * 1024 * 1024, allowShort: LEAK_FULL });
  },
  LONG_MAX_MS + 180_000,
);
