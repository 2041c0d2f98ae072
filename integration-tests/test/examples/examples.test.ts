/**
 * The pattern examples (examples/<name>) on Kafka, and on SQS on ElasticMQ (standard queues, and
 * FIFO queues for the examples that need per-key order). Each run is checked against the outcome
 * the README's examples table states for that broker (see run-example.ts): where an example cannot
 * run, it must exit 3 naming exactly the guarantees listed here, with the capability report's
 * reasons; anywhere else it must keep its promise. SQS with SNS fan-out runs on moto
 * (sqs-sns.test.ts).
 *
 * @brokers kafka elasticmq
 */
import { requireEnv } from '../support/env.js';
import {
  ALL_EXAMPLES,
  EXAMPLE_TEST_TIMEOUT_MS,
  examplesOnDisk,
  expectations,
  expectOutcome,
  PULL_ONLY,
} from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

const kafka = (): string =>
  `kafka://${requireEnv('EVENTPORT_KAFKA_BROKERS')}?sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200`;
const sqs = (fifo: boolean): string =>
  `sqs://?endpoint=${encodeURIComponent(requireEnv('EVENTPORT_SQS_ENDPOINT'))}&waitTimeSeconds=1&fifo=${fifo}`;

it('the examples suites know every example under examples/', () => {
  expect([...ALL_EXAMPLES].sort()).toEqual(examplesOnDisk().sort());
});

describe('on Kafka', () => {
  it.each(expectations(PULL_ONLY))('$title', (c) => expectOutcome(c, kafka()));
});

describe('on SQS (ElasticMQ, standard queues: no per-key order, no fan-out without SNS)', () => {
  it.each(
    expectations({
      ...PULL_ONLY,
      'iot-stream': { unsupported: ['order.per-key'] },
      'anomaly-detection': { unsupported: ['order.per-key'] },
      broadcast: { refused: 'fan-out' },
      orders: { unsupported: ['fan-out', 'order.per-key'] },
    }),
  )('$title', (c) => expectOutcome(c, sqs(false)));
});

describe('on SQS (ElasticMQ, FIFO queues)', () => {
  it.each(expectations({}, ['iot-stream', 'anomaly-detection']))('$title', (c) =>
    expectOutcome(c, sqs(true)),
  );
});
