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

// Issue 16, traced (2 Dec 2026): receives, renewals and deletes of the SQS receiver logged for 8
// failing runs of per-key-order on moto FIFO. All but 8 inverted events were received for the FIRST
// time (ApproximateReceiveCount 1) after a later event of their key, although both were sent in order
// by sequential, successful SendMessageBatch calls (moto's SentTimestamp agrees: 131 of 131 inverted
// pairs in the five runs traced with it). So moto's ReceiveMessage returned a group's later message
// while skipping an earlier one; EventPort hands messages over in the order received. Cause,
// reproduced through the raw client in ../reliability/moto-fifo-group-lock.test.ts: moto 5.2 copies
// the set of in-flight groups when a ReceiveMessage call starts and refreshes it only when the scan
// meets a message whose visibility ran out, so a long poll that began while the group's head was in
// flight skips the group after the head was deleted, then, refreshed mid-scan, returns the group's
// messages after that point. The ReceiptHandleIsInvalid renewals in those runs are the load (a 2 s
// visibility outrun by a slow emulator), which also makes the expired messages that trigger the
// refresh. The other 8 (in 3 runs) were duplicates handled after later events of their key: 1 a held
// message received again (its visibility ran out before moto applied the renewal) while moto kept
// accepting the superseded handle for the renewal and the delete (../reliability/moto-fifo-handles
// .test.ts; SQS rejects it and the receiver gives the group back); 7 (from 4 DeleteMessageBatch
// calls) messages received once, deleted with success, and received again 2-6 s later (not
// reproduced through the raw client: 2 tries of 50 concurrent DeleteMessageBatch calls kept them
// deleted).
const fifoOrder =
  "moto's FIFO receive can return a later message of a group while skipping an earlier one: a long poll keeps the set of in-flight groups it copied at its start and refreshes it mid-scan when it meets an expired message (raw-client test reliability/moto-fifo-group-lock.test.ts); traced runs show every inverted event first received after a later one of its key, both sent in order. SQS FIFO never does this; per-key order on SQS FIFO is verified on ElasticMQ";

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

// lease-from-hand-off is verified here: its one failure on moto (and one on ElasticMQ, in a CI run)
// was EventPort's — the lease keeper's renewal at hand-off, slower than the handler's extension sent
// right after it, was applied last and cut the visibility back to one lease (fixed: a message's
// visibility changes now reach SQS in the order asked; packages/sqs/test/receiver.test.ts).

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
