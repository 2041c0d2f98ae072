/**
 * Leak check of @eventport/kafka (issue 16): 30 connect/produce/consume/close cycles against the
 * real broker leave no timer or socket behind and grow the heap after a forced GC by less than
 * 4 MiB. 30, not the embedded broker's 50: each cycle joins and leaves a consumer group and opens
 * and closes a producer and consumer connection (0.3 s a cycle when the machine is idle, several
 * seconds when the broker is busy with other suites); 30 keeps the suite under a minute.
 *
 * @brokers kafka
 */
import '@eventport/kafka';
import { uniqueName } from '../support/env.js';
import { kafkaUrl } from '../kafka/support/kafka.js';
import { expectNoLeak, quietConnect, runLeakCycles } from './support/leak-cycles.js';

it('30 connect/produce/consume/close cycles on Kafka leave no handle behind and do not grow the heap', async () => {
  const topic = uniqueName('leak-kafka');
  const admin = await quietConnect(kafkaUrl());
  try {
    await admin.createTopic(topic);
  } finally {
    await admin.close();
  }
  const result = await runLeakCycles(
    {
      connect: () => quietConnect(kafkaUrl()),
      topic,
      consumer: { group: 'leak', from: 'earliest' },
      receiveTimeoutMs: 20_000,
    },
    30,
    { warmUp: 1 },
  );
  // bound: 4 MiB over 30 cycles (a kafkajs client with its connections kept per cycle would exceed it)
  expectNoLeak(result, 4 * 1024 * 1024);
}, 60_000);
