/**
 * Leak check of @eventport/pubsub on Google's Pub/Sub emulator (issue 16): 4 connect/produce/
 * consume/close cycles leave no timer or socket behind and grow the heap after a forced GC by less
 * than 4 MiB. 4, not the embedded broker's 50: closing a subscription takes about 9 s here (the
 * adapter waits for its outstanding Pull to return), so 1 warm-up and 4 measured cycles already
 * take ~45 s.
 *
 * @brokers pubsub
 */
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { pubsubUrl } from '../pubsub/support/pubsub.js';
import { expectNoLeak, quietConnect, runLeakCycles } from './support/leak-cycles.js';

const CYCLES = 4;

it(`${CYCLES} connect/produce/consume/close cycles on the Pub/Sub emulator leave no handle behind and do not grow the heap`, async () => {
  const result = await runLeakCycles(
    {
      connect: () => quietConnect(pubsubUrl()),
      topic: uniqueName('leak-pubsub'),
      consumer: { group: 'leak' },
      receiveTimeoutMs: 15_000,
    },
    CYCLES,
    { warmUp: 1 },
  );
  // bound: 4 MiB over the cycles (a Pub/Sub client with its gRPC channel kept per cycle would exceed it)
  expectNoLeak(result, 4 * 1024 * 1024);
}, 60_000);
