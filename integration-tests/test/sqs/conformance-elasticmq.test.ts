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

// A closing consumer aborts its long polls and gives back what it held unhandled; ElasticMQ keeps
// an aborted long poll alive and hands it the next visible message (raw-client reproduction:
// ../reliability/sqs-aborted-long-poll.test.ts), so a given-back message comes back after its
// visibility timeout with one receive more than its handlers saw. It shows on FIFO, where the
// group lock makes the given-back messages the next visible ones; moto (FIFO, standard, SNS) and
// ElasticMQ standard verify the check.
const fifoGaps: Gaps = {
  ...gaps,
  'handler-attempts-takeover':
    'ElasticMQ keeps a long poll the client aborted alive and hands it the next visible message (raw-client test reliability/sqs-aborted-long-poll.test.ts): a message a closing consumer gives back is taken by that dead poll and returns after its visibility timeout with one receive more than its handlers saw; verified on moto FIFO; whether SQS itself keeps an abandoned long poll alive is not verified here',
};

describeSqsConformance('elasticmq', 'standard', { gaps });
describeSqsConformance('elasticmq', 'fifo', { gaps: fifoGaps });
