/**
 * The pattern examples (examples/<name>) on Kafka, and on SQS on ElasticMQ (standard queues, and
 * FIFO queues for the examples that need per-key order). See run-example.ts for what a run checks
 * and when it is a skip (the capability report's reasons, exit code 3).
 *
 * @brokers kafka elasticmq
 */
import { requireEnv } from '../support/env.js';
import { ALL_EXAMPLES, EXAMPLE_TEST_TIMEOUT_MS, expectPromiseKept } from './run-example.js';

jest.setTimeout(EXAMPLE_TEST_TIMEOUT_MS);

const kafka = (): string =>
  `kafka://${requireEnv('EVENTPORT_KAFKA_BROKERS')}?sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200`;
const sqs = (fifo: boolean): string =>
  `sqs://?endpoint=${encodeURIComponent(requireEnv('EVENTPORT_SQS_ENDPOINT'))}&waitTimeSeconds=1&fifo=${fifo}`;

describe('on Kafka', () => {
  it.each(ALL_EXAMPLES)('%s', (name) => expectPromiseKept(name, kafka()));
});

describe('on SQS (ElasticMQ, standard queues)', () => {
  it.each(ALL_EXAMPLES)('%s', (name) => expectPromiseKept(name, sqs(false)));
});

describe('on SQS (ElasticMQ, FIFO queues)', () => {
  it.each(['iot-stream', 'anomaly-detection'])('%s', (name) => expectPromiseKept(name, sqs(true)));
});
