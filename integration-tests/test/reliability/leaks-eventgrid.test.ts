/**
 * Leak checks of @eventport/eventgrid (namespace topics, pull) on EventPort's Event Grid emulator
 * (issue 16):
 *
 * - connect/produce/consume/close cycles leave no timer or socket behind and grow the heap after a
 *   forced GC by less than 4 MiB: CI_CYCLES in the normal suite, 50 under `EVENTPORT_LEAK_FULL=1`;
 * - one long-lived consumer handles CI_EVENTS events in the normal suite, 1,000,000 under the flag
 *   (bounded in time; the full run reports how many the emulator moved); heap growth after GC under
 *   8 MiB, handles flat, none left after close.
 *
 * The adapter bounds its requests with an unref'd AbortSignal.timeout, not the HTTP pipeline's
 * `timeout` (@typespec/ts-http-runtime 0.3.6 left that timer armed after an aborted long poll,
 * keeping the process alive ~40 s after close): no timer may be left either.
 *
 * Figures of the full runs: integration-tests/SOAK-RESULTS.md ("Leak checks").
 *
 * @brokers eventgrid
 */
import '@eventport/eventgrid';
import { requireEnv, uniqueName } from '../support/env.js';
import { expectNoLeak, LEAK_FULL, leakCycles, quietConnect, runLeakCycles } from './support/leak-cycles.js';
import { expectLongLivedBounded, runLongLived } from './support/long-lived.js';

const CI_CYCLES = 50;
const CI_EVENTS = 2_000;
const CYCLES = leakCycles(CI_CYCLES);
const EVENTS = LEAK_FULL ? 1_000_000 : CI_EVENTS;
const LONG_MAX_MS = LEAK_FULL ? 240_000 : 60_000;

function target(): string {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  return `eventgrid://${endpoint.host}/leaks?key=${encodeURIComponent(requireEnv('EVENTPORT_EVENTGRID_KEY'))}`;
}

it(
  `${CYCLES} connect/produce/consume/close cycles on the Event Grid emulator: no timer or socket left, heap bounded`,
  async () => {
    const result = await runLeakCycles(
      {
        connect: () => quietConnect(target()),
        topic: uniqueName('leak-eg'),
        consumer: { group: 'leak', leaseMs: 2_000 },
        receiveTimeoutMs: 15_000,
      },
      CYCLES,
    );
    // bound: 4 MiB over the cycles (an HTTP pipeline with its agents kept per cycle would exceed it)
    expectNoLeak(result, 4 * 1024 * 1024);
  },
  LEAK_FULL ? 600_000 : 120_000,
);

it(
  `one long-lived consumer on the Event Grid emulator handles ${EVENTS} events: heap and handles bounded, none left after close`,
  async () => {
    const result = await runLongLived(
      {
        connect: () => quietConnect(target()),
        topic: uniqueName('leak-eg-long'),
        consumer: { group: 'leak-long', concurrency: 32 },
        batch: 100,
        window: 4_000,
      },
      EVENTS,
      { maxMs: LONG_MAX_MS },
    );
    expectLongLivedBounded(result, { heapBoundBytes: 8 * 1024 * 1024, allowShort: LEAK_FULL });
  },
  LONG_MAX_MS + 180_000,
);
