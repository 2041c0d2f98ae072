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

// Issue 16: ten runs of per-key-order on moto FIFO (2 Dec 2026, on a 2-core machine at load 12-15):
// 6 passed, 1 could not send its 2,000 events within 180 s, 3 saw 1, 9 and 42 inversions; each of
// those logged lease renewals failing with ReceiptHandleIsInvalid (a message whose 2 s visibility ran
// out on the overloaded emulator and was received again). SQS recovers from that by its receipt-
// handle rule, moto does not: ../reliability/moto-fifo-handles.test.ts shows moto deleting a message
// with a superseded handle (SQS deletes only with the latest one), which can remove the copy received
// again and let the held copy be handed over after later messages of its group (the likely path,
// not traced end to end).
const fifoOrder =
  "moto deletes a FIFO message with a superseded receipt handle (SQS deletes only with the latest one; raw-client test reliability/moto-fifo-handles.test.ts): when a message's visibility runs out on the busy emulator and it is received again, the first copy's ack can remove the second, and the group's order broke (ten runs: 6 passed, 3 saw 1-42 inversions with ReceiptHandleIsInvalid renewals, 1 timed out sending); per-key order on SQS FIFO is verified on ElasticMQ in every run";

// Not proven to be moto (issue 16 asks for a raw-client reproduction): in 1 of 3 runs on moto the
// check saw 2 inversions and one message ~19 s late (ElasticMQ passes every run); raw-client probes
// of moto's FIFO (in-flight group locking, renewals, give-backs, 90 messages of 3 groups) behaved.
const publishFaultOrder =
  'in 1 of 3 runs on moto 2 inversions and a message ~19 s late; ElasticMQ verifies this check every run; raw-client probes of moto FIFO have not reproduced it, so the cause (moto or EventPort) is still open';

// Issue 16: 1 of 5 runs on moto FIFO (load 12-15) saw one event delivered again while handlers ran
// within their 2 s lease; ElasticMQ verifies the check every run. Same family as per-key-order (a
// visibility that ran out on the busy emulator); not traced end to end.
const nearLeaseOrder =
  '1 of 5 runs on moto saw one event delivered again while handlers ran within their 2 s lease (visibility running out on the busy emulator, whose superseded-handle deletes differ from SQS: reliability/moto-fifo-handles.test.ts); ElasticMQ verifies this check every run; not traced end to end';

const plain: Gaps = { 'competing-consumers': race };
const fifo: Gaps = {
  ...plain,
  'publish.idempotent': dedupe,
  'per-key-order': fifoOrder,
  'per-key-order-publish-fault': publishFaultOrder,
  'per-key-order-near-lease': nearLeaseOrder,
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
