/**
 * The examples that need fan-out on SQS, on moto (SQS + SNS): with `fanOut=true` the adapter
 * publishes to an SNS topic and gives each consumer group its own queue subscribed to it.
 * ElasticMQ has no SNS (examples.test.ts: there broadcast is refused and orders cannot run).
 * broadcast runs on standard queues; orders needs per-key order too, so it runs on FIFO queues
 * through a FIFO SNS topic, and must exit 3 (no per-key order) on standard queues. Only these
 * two run here: the others need no fan-out and run on ElasticMQ. See run-example.ts for what a
 * run checks.
 *
 * @brokers moto
 */
import { requireEnv } from '../support/env.js';
import { EXAMPLE_TEST_TIMEOUT_MS, expectations, expectOutcome } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

/**
 * One ReceiveMessage in flight per consumer: moto's receive is not atomic, so concurrent receives
 * on one queue can hand out a message twice (see ../sqs/support/harness.ts).
 */
const sqsSns = (fifo: boolean): string =>
  `sqs://?endpoint=${encodeURIComponent(requireEnv('EVENTPORT_MOTO_ENDPOINT'))}&fanOut=true&fifo=${fifo}&waitTimeSeconds=1&receiveConcurrency=1`;

describe('on SQS (moto, standard queues through SNS)', () => {
  it.each(expectations({ orders: { unsupported: ['order.per-key'] } }, ['broadcast', 'orders']))(
    '$title',
    (c) => expectOutcome(c, sqsSns(false)),
  );
});

describe('on SQS (moto, FIFO queues through a FIFO SNS topic)', () => {
  it.each(expectations({}, ['orders']))('$title', (c) => expectOutcome(c, sqsSns(true)));
});
