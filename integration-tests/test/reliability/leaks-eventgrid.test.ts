/**
 * Leak check of @eventport/eventgrid (namespace topics, pull) on EventPort's Event Grid emulator
 * (issue 16): 20 connect/produce/consume/close cycles leave no timer or socket behind and grow the
 * heap after a forced GC by less than 4 MiB. 20, not the embedded broker's 50: closing waits for
 * nothing long (a cycle takes about 0.3 s), 20 keep the suite short.
 *
 * KNOWN LEAK, asserted as such: @typespec/ts-http-runtime 0.3.6 (under @azure/core-rest-pipeline)
 * clears a request's `timeout` timer only when a response arrives; a request aborted by its signal
 * (the long-poll receive that close() cuts short) leaves a ref'd timer of requestTimeoutMs + the
 * receive wait (40 s) that keeps the process alive after broker.close(). The adapter can avoid it
 * by bounding requests with its own unref'd abort signal instead of `timeout`; when it does, the
 * known-leak test below fails and must become the plain no-leak assertion (`expectNoLeak`).
 *
 * @brokers eventgrid
 */
import '@eventport/eventgrid';
import { requireEnv, uniqueName } from '../support/env.js';
import { quietConnect, runLeakCycles } from './support/leak-cycles.js';

const CYCLES = 20;

function target(): string {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  return `eventgrid://${endpoint.host}/leaks?key=${encodeURIComponent(requireEnv('EVENTPORT_EVENTGRID_KEY'))}`;
}

it(`${CYCLES} connect/produce/consume/close cycles on the Event Grid emulator: no socket left, heap bounded; KNOWN LEAK: an aborted long poll's request timer outlives close()`, async () => {
  const result = await runLeakCycles(
    {
      connect: () => quietConnect(target()),
      topic: uniqueName('leak-eg'),
      consumer: { group: 'leak', leaseMs: 2_000 },
      receiveTimeoutMs: 15_000,
    },
    CYCLES,
  );
  process.stdout.write(`leak check: ${JSON.stringify(result)}\n`);
  const { Timeout: timersBefore = 0, ...otherBefore } = result.handlesBefore;
  const { Timeout: timersAfter = 0, ...otherAfter } = result.handlesAfter;
  const sum = (h: Record<string, number>): number => Object.values(h).reduce((a, b) => a + b, 0);
  expect(sum(otherAfter)).toBeLessThanOrEqual(sum(otherBefore)); // sockets, pipes: none left
  // the known leak (see above): timers left behind by aborted long polls, at most one a cycle
  expect(timersAfter - timersBefore).toBeGreaterThan(0);
  expect(timersAfter - timersBefore).toBeLessThanOrEqual(CYCLES);
  // bound: 4 MiB over the cycles (an HTTP pipeline with its agents kept per cycle would exceed it)
  expect(result.heapGrowthBytes).toBeLessThan(4 * 1024 * 1024);
}, 60_000);
