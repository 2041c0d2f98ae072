/**
 * The conformance suite over the SQS adapter against moto (SQS + SNS): standard and FIFO queues,
 * and fan-out through SNS topics with a queue per consumer group. ElasticMQ runs the whole suite
 * on plain queues; here the SNS variants run the checks whose path differs with SNS (publishing,
 * group queues, dead-lettering to a topic).
 *
 * @brokers moto
 */
import { describeSqsConformance, type Gaps } from './support/harness.js';

const race =
  "moto's ReceiveMessage is not atomic: consumers polling one queue at once can be handed the same message (SQS hands a message to one receiver per visibility timeout)";
const dedupe =
  'moto dedupes a MessageDeduplicationId only against copies still in the queue; SQS remembers it for 5 minutes, also after the first copy was consumed';

const fifoOrder =
  "moto's FIFO queues do not reliably hold a message group back while one of its messages is in flight: in one of two full CI runs the per-key check saw a later message of a key before an earlier one (2 and 14 inversions) and 40 messages late, while the same adapter path passes on ElasticMQ in every run, which verifies per-key order for the FIFO variant";

// Not proven to be moto (issue 16 asks for a raw-client reproduction): in 1 of 3 runs on moto the
// check saw 2 inversions and one message ~19 s late (ElasticMQ passes every run); raw-client probes
// of moto's FIFO (in-flight group locking, renewals, give-backs, 90 messages of 3 groups) behaved.
const publishFaultOrder =
  'in 1 of 3 runs on moto 2 inversions and a message ~19 s late; ElasticMQ verifies this check every run; raw-client probes of moto FIFO have not reproduced it, so the cause (moto or EventPort) is still open';

const plain: Gaps = { 'competing-consumers': race };
const fifo: Gaps = {
  ...plain,
  'publish.idempotent': dedupe,
  'per-key-order': fifoOrder,
  'per-key-order-publish-fault': publishFaultOrder,
};

const SNS_CHECKS = [
  'round-trip',
  'topic-isolation',
  'missing-topic',
  'max-event-size',
  'publish-at-least-once',
  'batch-publish',
  'fan-out',
  'redelivery',
  'dead-letter',
  'durability',
  'exactly-once',
];

describeSqsConformance('moto', 'standard', { gaps: plain });
describeSqsConformance('moto', 'fifo', { gaps: fifo });
describeSqsConformance('moto', 'standard+sns', { gaps: plain, only: SNS_CHECKS });
// FIFO through SNS: what FIFO changes on the SNS path (group ids, deduplication ids, order)
describeSqsConformance('moto', 'fifo+sns', {
  gaps: fifo,
  only: ['round-trip', 'fan-out', 'per-key-order', 'dead-letter', 'idempotent-publish'],
});
