/**
 * The conformance suite over the SQS adapter against ElasticMQ: standard and FIFO queues.
 * ElasticMQ has no SNS, so fan-out is reported "not verified (emulator gap)" here (moto verifies it).
 *
 * @brokers elasticmq
 */
import { describeSqsConformance, type Gaps } from './support/harness.js';

const gaps: Gaps = {
  'fan-out': 'ElasticMQ has no SNS, so fanOut=true (an SNS topic with a queue per group) cannot run on it',
};

describeSqsConformance('elasticmq', 'standard', { gaps });
describeSqsConformance('elasticmq', 'fifo', { gaps });
