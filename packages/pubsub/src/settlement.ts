import type { v1 } from '@google-cloud/pubsub';
import { EventPortError, type ReceivedMessage } from '@eventport/core/driver';
import { ackIdFailures, isTransientAckFailure, mapPubSubError } from './errors.js';
import { SettleQueue } from './settle-queue.js';

/** The service refused one ack id of a request (exactly-once delivery subscriptions). */
export class AckIdRefused extends Error {
  constructor(
    readonly ackId: string,
    /** `PERMANENT_FAILURE_INVALID_ACK_ID` or `TRANSIENT_FAILURE_…`, as the service said. */
    readonly why: string,
  ) {
    super(`ack id refused: ${why}`);
  }
}

/**
 * Acknowledge and ModifyAckDeadline requests of one subscription, gathered per turn of the event
 * loop (see SettleQueue), sent once (no retries: a message whose settlement failed comes back).
 * On an exactly-once delivery subscription the service confirms each ack id: the ones it refused
 * reject with an AckIdRefused, the others resolve.
 */
export class Settlements {
  private readonly acks: SettleQueue<0>;
  private readonly deadlines: SettleQueue<number>;

  constructor(client: v1.SubscriberClient, subscriptionPath: string, subscription: string) {
    const options = { retry: null, timeout: 30_000 };
    this.acks = new SettleQueue((_k, ackIds) =>
      client.acknowledge({ subscription: subscriptionPath, ackIds }, options).then(
        () => undefined,
        (err: unknown) => refusals(err, `acknowledge on ${subscription}`, subscription),
      ),
    );
    this.deadlines = new SettleQueue((ackDeadlineSeconds, ackIds) =>
      client.modifyAckDeadline({ subscription: subscriptionPath, ackIds, ackDeadlineSeconds }, options).then(
        () => undefined,
        (err: unknown) => refusals(err, `modify ack deadline on ${subscription}`, subscription),
      ),
    );
  }

  ack(ackId: string): Promise<void> {
    return this.acks.add(0, ackId);
  }

  /** ModifyAckDeadline: 0 gives the message back at once. */
  modify(seconds: number, ackId: string): Promise<void> {
    return this.deadlines.add(seconds, ackId);
  }

  /** Sends what is gathered and waits for every request in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([this.acks.drain(), this.deadlines.drain()]);
  }
}

/** Per ack id refusals of a failed request, or the request's own failure (mapped). */
function refusals(err: unknown, what: string, subscription: string): ReadonlyMap<string, AckIdRefused> {
  const failures = ackIdFailures(err);
  if (failures === undefined) throw mapPubSubError(err, what, subscription);
  return new Map([...failures].map(([ackId, why]) => [ackId, new AckIdRefused(ackId, why)]));
}

/**
 * Waits for the settle operations of `messages` (one each, in order) and reports honestly: nothing
 * when all went through; the request's error when a request failed; else one error naming each
 * event whose ack id the service refused and why, and how many of the others were settled.
 * Retryable when every refusal was transient.
 */
export async function outcome(
  what: string,
  messages: readonly ReceivedMessage[],
  ops: readonly Promise<void>[],
): Promise<void> {
  if (ops.length === 0) return;
  if (ops.length === 1)
    return ops[0]!.catch((err: unknown) => Promise.reject(described(what, messages, [err])));
  const results = await Promise.allSettled(ops);
  const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined));
  if (reasons.every((r) => r === undefined)) return;
  throw described(what, messages, reasons);
}

function described(what: string, messages: readonly ReceivedMessage[], reasons: readonly unknown[]): unknown {
  const failed = reasons.filter((r) => r !== undefined);
  const other = failed.find((r) => !(r instanceof AckIdRefused));
  if (other !== undefined) return other;
  const refused = reasons.flatMap((r, i) =>
    r instanceof AckIdRefused ? [`event ${messages[i]!.event.id}: ${r.why}`] : [],
  );
  const transient = failed.every((r) => isTransientAckFailure((r as AckIdRefused).why));
  return new EventPortError(
    'SEND_FAILED',
    `${what}: the service refused ${refused.length} of ${messages.length} (exactly-once delivery): ${refused.join('; ')}; ` +
      `the other ${messages.length - refused.length} went through. A refused message is redelivered; an exactly-once consumer has recorded its effect and skips it`,
    { retryable: transient },
  );
}
