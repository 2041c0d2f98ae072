/**
 * Leak check of @eventport/eventhubs on EventPort's Event Hubs emulator with checkpoints on Azurite
 * (issue 16): 10 connect/produce/consume/close cycles leave no timer or socket behind and grow the
 * heap after a forced GC by less than 4 MiB. 10, not the embedded broker's 50: each cycle claims
 * partition ownership through the blob store and opens AMQP links for four partitions, a few
 * seconds a cycle; 10 keep the suite under a minute.
 *
 * @brokers eventhubs azurite
 */
import { uniqueName } from '../support/env.js';
import { connectEventHubs } from '../eventhubs/support/eventhubs.js';
import { expectNoLeak, runLeakCycles } from './support/leak-cycles.js';

const CYCLES = 10;

it(`${CYCLES} connect/produce/consume/close cycles on the Event Hubs emulator leave no handle behind and do not grow the heap`, async () => {
  const result = await runLeakCycles(
    {
      connect: () => connectEventHubs(),
      topic: uniqueName('leak-eh'),
      consumer: { group: 'leak', from: 'earliest' },
      receiveTimeoutMs: 20_000,
    },
    CYCLES,
    { warmUp: 1 },
  );
  // bound: 4 MiB over the cycles (AMQP connections, links or blob clients kept per cycle would exceed it)
  expectNoLeak(result, 4 * 1024 * 1024);
}, 60_000);
