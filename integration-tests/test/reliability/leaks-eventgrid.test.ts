/**
 * Leak check of @eventport/eventgrid (namespace topics, pull) on EventPort's Event Grid emulator
 * (issue 16): 20 connect/produce/consume/close cycles leave no timer or socket behind and grow the
 * heap after a forced GC by less than 4 MiB. 20, not the embedded broker's 50: closing waits for
 * nothing long (a cycle takes about 0.3 s), 20 keep the suite short.
 *
 * The adapter bounds its requests with an unref'd AbortSignal.timeout, not the HTTP pipeline's
 * `timeout` (@typespec/ts-http-runtime 0.3.6 left that timer armed after an aborted long poll,
 * keeping the process alive ~40 s after close): no timer may be left either.
 *
 * @brokers eventgrid
 */
import '@eventport/eventgrid';
import { requireEnv, uniqueName } from '../support/env.js';
import { expectNoLeak, quietConnect, runLeakCycles } from './support/leak-cycles.js';

const CYCLES = 20;

function target(): string {
  const endpoint = new URL(requireEnv('EVENTPORT_EVENTGRID_ENDPOINT'));
  return `eventgrid://${endpoint.host}/leaks?key=${encodeURIComponent(requireEnv('EVENTPORT_EVENTGRID_KEY'))}`;
}

it(`${CYCLES} connect/produce/consume/close cycles on the Event Grid emulator: no timer or socket left, heap bounded`, async () => {
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
  // bound: 4 MiB over the cycles (an HTTP pipeline with its agents kept per cycle would exceed it)
  expectNoLeak(result, 4 * 1024 * 1024);
}, 60_000);
