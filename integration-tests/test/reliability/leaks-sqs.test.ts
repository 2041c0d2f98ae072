/**
 * Leak check of @eventport/sqs on ElasticMQ (issue 16): 12 connect/produce/consume/close cycles
 * leave no timer or socket behind and grow the heap after a forced GC by less than 4 MiB. 12, not
 * the embedded broker's 50: closing a subscription waits for its long poll to return (the
 * harness's waitTimeSeconds=2), so a cycle takes about 2.2 s; 12 keep the suite near 30 s.
 *
 * @brokers elasticmq
 */
import '@eventport/sqs';
import { uniqueName } from '../support/env.js';
import { sqsTarget } from '../sqs/support/harness.js';
import { expectNoLeak, quietConnect, runLeakCycles } from './support/leak-cycles.js';

it('12 connect/produce/consume/close cycles on ElasticMQ leave no handle behind and do not grow the heap', async () => {
  const result = await runLeakCycles(
    {
      connect: () => quietConnect(sqsTarget('elasticmq', 'standard')),
      topic: uniqueName('leak-sqs'),
      // a short lease: a long poll cut short by close() may still take the next cycle's events on
      // the server, and they come back only when their visibility timeout ends
      consumer: { group: 'leak', leaseMs: 2_000 },
      receiveTimeoutMs: 15_000,
    },
    12,
  );
  // bound: 4 MiB over 12 cycles (an SQS client, its agents and a consumer kept per cycle would exceed it)
  expectNoLeak(result, 4 * 1024 * 1024);
}, 60_000);
