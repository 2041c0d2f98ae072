import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { REQUEST_TIMEOUT_MS } from './clients.js';
import { Coalescer } from './coalescer.js';
import { isGoneEntry, mapAwsError, mapEntryError } from './errors.js';
import type { QueueRef } from './resources.js';

/** How many recent round trips {@link VisibilityChanges.latencyMs} looks at. */
export const LATENCY_SAMPLES = 8;

/** What the visibility changes of one message need to know of it. */
export interface VisibilityTarget {
  readonly receipt: string;
  /** The message's last change still in flight or queued (changes of a message run one at a time). */
  visibilityChange?: Promise<void> | undefined;
  /** The visibility deadline SQS last confirmed (ms since epoch), set by each change when it succeeds. */
  visibleAt?: number;
}

/**
 * ChangeMessageVisibility for one queue: changes are gathered into
 * ChangeMessageVisibilityBatch requests (10 per request, per turn of the event
 * loop; an entry that fails retryably is retried by the coalescer).
 *
 * Changes of one message are sent one after another, in the order asked: SQS
 * applies concurrent requests in any order, so a renewal sent earlier (the
 * heartbeat's, the lease keeper's) could land after a longer extension a handler
 * asked for later and cut its visibility short. The duration is read when the
 * change is sent, so it counts from then. A strict change (a renewal, an
 * extension) never shortens: when the confirmed deadline already lies beyond
 * it (a longer extension asked just before), it is not sent.
 *
 * It keeps the round trips of its last {@link LATENCY_SAMPLES} changes: how long
 * a change currently takes to reach SQS ({@link latencyMs}).
 */
export class VisibilityChanges {
  private readonly coalescer: Coalescer<{ receipt: string; seconds: number; strict: boolean }>;
  private readonly roundTrips: number[] = [];

  constructor(sqs: SQSClient, queue: QueueRef) {
    this.coalescer = new Coalescer(async (changes) => {
      const out = await sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queue.url,
            Entries: changes.map((c, i) => ({
              Id: String(i),
              ReceiptHandle: c.receipt,
              VisibilityTimeout: c.seconds,
            })),
          }),
          { requestTimeout: REQUEST_TIMEOUT_MS },
        )
        .catch((err: unknown) => Promise.reject(mapAwsError(err, `change visibility in ${queue.name}`)));
      const errors = new Array<Error | undefined>(changes.length);
      for (const f of out.Failed ?? []) {
        const i = Number(f.Id);
        // a give-back of a message no longer in flight has nothing left to do; a renewal failed
        if (isGoneEntry(f.Code) && !changes[i]!.strict) continue;
        errors[i] = mapEntryError(f, `change visibility in ${queue.name}`);
      }
      return errors;
    });
  }

  /**
   * Sets `target`'s visibility to `seconds()` from when the change is sent, after its earlier
   * changes. `strict`: a message no longer in flight fails the change (a renewal); otherwise
   * that is fine (a give-back, a nack). Resolves with the deadline SQS confirmed (ms since epoch).
   */
  change(target: VisibilityTarget, seconds: () => number, strict: boolean): Promise<number> {
    const send = async (): Promise<number> => {
      const s = seconds();
      const sent = Date.now();
      if (strict && target.visibleAt !== undefined && target.visibleAt >= sent + s * 1000) {
        return target.visibleAt; // SQS sets the timeout from now: sending it would cut it short
      }
      await this.coalescer.add({ receipt: target.receipt, seconds: s, strict });
      this.roundTrips.push(Date.now() - sent);
      if (this.roundTrips.length > LATENCY_SAMPLES) this.roundTrips.shift();
      target.visibleAt = sent + s * 1000;
      return target.visibleAt;
    };
    const earlier = target.visibilityChange;
    const p = earlier === undefined ? send() : earlier.then(send);
    const tail = p.then(
      () => undefined,
      () => undefined,
    );
    target.visibilityChange = tail;
    void tail.then(() => {
      if (target.visibilityChange === tail) target.visibilityChange = undefined;
    });
    return p;
  }

  /** The longest round trip of the recent successful changes (ms; 0 before the first). */
  latencyMs(): number {
    return this.roundTrips.length === 0 ? 0 : Math.max(...this.roundTrips);
  }

  /** Sends everything pending and waits for every request in flight. */
  drain(): Promise<void> {
    return this.coalescer.drain();
  }
}
