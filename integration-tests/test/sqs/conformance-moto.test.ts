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

// Issue 16, traced 2 Dec 2026 (every receive, visibility change, delete and hand-over logged per
// message id). per-key-order-publish-fault: 35 of 36 runs passed on moto (6 run alone,
// 2 in the whole FIFO suite, 28 while another FIFO suite or 2,000-event per-key-order run
// loaded moto). The failing run (loaded: moto took 2-3 s for some requests, beyond the 2 s
// visibility) has the signature of moto's group lock (the raw-client test above): a long poll that
// began while key-2's head (#29) was in flight returned, after that head was deleted, key-2's
// #59-#86 as first receives, while #32 (given back, visible), #35 and #38-#56 (never received
// before) stayed behind; they came 5 s later, after #89. No key-2 message was in flight then: SQS
// would have returned #32 first. Its "lease extension failed" warnings (90 in 8 loaded runs) were
// all ReceiptHandleIsInvalid for extensions of messages acked while the extension was on its way,
// held behind a slow heartbeat renewal (moto: 460 ms per ChangeMessageVisibilityBatch at the median
// under load), so moto applied the delete first; EventPort's, fixed: such an extension is no
// failure (nothing is left to extend; packages/sqs/test/receiver.test.ts).
const publishFaultOrder =
  "moto's FIFO group lock (raw-client test reliability/moto-fifo-group-lock.test.ts): in the traced failing run a long poll begun while a key's head was in flight returned the key's later messages, first receives, while earlier ones never received stayed behind; 35 of 36 runs passed, the failing one with moto loaded by another run; ElasticMQ verifies this check every run";

// per-key-order-near-lease is verified here, with a 6 s lease on moto (support/harness.ts). Traced
// 2 Dec 2026 (issue 16): every redelivery at the suite's 2 s lease was a renewal moto applied after
// the visibility had ended (ChangeMessageVisibilityBatch took 667-784 ms on this busy machine, more
// than a 2 s lease's renewal margin); none was a wrong answer. EventPort's own parts found on the
// way are fixed (a held message is handed over with its deadline less the recent round trip of
// visibility changes; an extension rejected after its message was settled is no failure;
// packages/sqs/test/receiver.test.ts). At 6 s: 5 of 5 runs passed.

// lease-from-hand-off is verified here: its one failure on moto (and one on ElasticMQ, in a CI run)
// was EventPort's — the lease keeper's renewal at hand-off, slower than the handler's extension sent
// right after it, was applied last and cut the visibility back to one lease (fixed: a message's
// visibility changes now reach SQS in the order asked; packages/sqs/test/receiver.test.ts). Traced
// again on 2 Dec 2026 (1 of 10 runs failed, moto quick): the handler's 4 s extension asked first and
// the keeper's 2 s renewal asked right after, applied in that order, cut the lease to 2 s (fixed: a
// renewal never shortens a longer extension; receiver.test.ts); 10 of 10 runs passed since.

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
