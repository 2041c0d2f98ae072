import type { DriverReceiver, ReceivedMessage } from '../driver/types.js';
import type { Logger } from '../logging/logger.js';
import type { Producer } from '../api/producer.js';
import { CommitTracker } from './commit-tracker.js';
import { withDeadLetterInfo } from './dead-letter-event.js';
import type { TrackedDelivery } from './tracked-delivery.js';

export interface SettlerOptions {
  readonly topic: string;
  /** Dead-letter topic, or false to drop (and log) events that exhaust their attempts. */
  readonly deadLetter: string | false;
  /** Use the receiver's native dead-lettering (the broker declares dead-letter as native). */
  readonly nativeDeadLetter: boolean;
  /** Opens the producer used for emulated dead-lettering (called at most once). */
  readonly openDeadLetterProducer: (topic: string) => Producer;
  readonly logger: Logger;
}

/**
 * Most acks gathered into one `ack` call: a batch is passed on as soon as it is this big, so
 * a pipeline that never yields to the event loop (producer and consumer in one process, all
 * microtasks) still settles as it goes instead of holding every lease until it ends.
 */
export const ACK_BATCH_MAX = 256;

/**
 * Settles deliveries against the driver. Per-message receivers get batched acks
 * (one `ack` call per turn of the event loop, or per ACK_BATCH_MAX acks); offset receivers get contiguous
 * commits (a commit never passes an unsettled offset), coalesced per partition
 * until the current synchronous work is done (one `commit` call per partition per
 * microtask checkpoint, before any I/O or timer callback runs). Emulated dead-lettering
 * produces the event with the reason to the dead-letter topic and settles only
 * once that send succeeded, so nothing is lost when it fails.
 * Every method is idempotent per message.
 */
export class Settler {
  private readonly tracker: CommitTracker | undefined;
  private ackBuffer: ReceivedMessage[] = [];
  private ackFlush: Promise<void> | undefined;
  private ackFlushed: (() => void) | undefined;
  /** Offset receivers: the newest committable position per partition, not yet passed to `commit`. */
  private commitNext = new Map<string, number>();
  private commitFlush: Promise<void> | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private dlqProducer: Producer | undefined;

  constructor(
    private readonly receiver: DriverReceiver,
    private readonly options: SettlerOptions,
  ) {
    this.tracker = receiver.settlement === 'offset' ? new CommitTracker() : undefined;
  }

  /** Registers a received message (offset receivers: before any settle, in offset order). */
  track(rec: TrackedDelivery): void {
    const { partition, offset } = rec.message;
    if (this.tracker !== undefined && partition !== undefined && offset !== undefined)
      this.tracker.track(partition, offset);
  }

  ack(rec: TrackedDelivery): Promise<void> {
    if (rec.settled) return Promise.resolve();
    rec.settled = true;
    return this.complete(rec.message);
  }

  /** Native nack: the broker redelivers after `delayMs`. */
  nack(rec: TrackedDelivery, delayMs: number): Promise<void> {
    if (rec.settled) return Promise.resolve();
    rec.settled = true;
    const nack = this.receiver.nack;
    if (nack === undefined) return Promise.resolve();
    return this.watch(nack.call(this.receiver, rec.message, delayMs), 'nack');
  }

  /**
   * Gives an unfinished message back (at close): one no handler ran on through the receiver's
   * `release` (not counted as an attempt) where it has one, else nack without delay where
   * possible, else leave it unsettled.
   */
  release(rec: TrackedDelivery): Promise<void> {
    if (rec.settled) return Promise.resolve();
    if (!rec.handled && this.receiver.release !== undefined) {
      rec.settled = true;
      return this.watch(this.receiver.release(rec.message), 'release');
    }
    if (this.receiver.nack === undefined) {
      rec.settled = true; // not committed: a log broker redelivers from the last commit
      return Promise.resolve();
    }
    return this.nack(rec, 0);
  }

  async deadLetter(rec: TrackedDelivery, reason: string): Promise<void> {
    if (rec.settled) return;
    const { deadLetter, nativeDeadLetter, logger, topic } = this.options;
    if (deadLetter === false) {
      logger.error(`dropping event after ${rec.attempt} attempts (dead-lettering is off)`, {
        topic,
        id: rec.message.event.id,
        reason,
      });
      return this.ack(rec);
    }
    if (nativeDeadLetter && this.receiver.deadLetter !== undefined) {
      rec.settled = true;
      return this.watch(this.receiver.deadLetter(rec.message, reason), 'dead-letter');
    }
    this.dlqProducer ??= this.options.openDeadLetterProducer(deadLetter);
    await this.dlqProducer.send(withDeadLetterInfo(rec.message.event, reason, rec.attempt));
    return this.ack(rec);
  }

  /** Waits for every ack, commit and nack issued so far; closes the dead-letter producer. */
  async flush(): Promise<void> {
    while (this.ackFlush !== undefined || this.commitFlush !== undefined || this.pending.size > 0) {
      await this.ackFlush;
      await this.commitFlush;
      await Promise.allSettled([...this.pending]);
    }
    await this.dlqProducer?.close();
  }

  private complete(message: ReceivedMessage): Promise<void> {
    if (this.tracker !== undefined) {
      const { partition, offset } = message;
      if (partition === undefined || offset === undefined || this.receiver.commit === undefined)
        return Promise.resolve();
      const next = this.tracker.settle(partition, offset);
      if (next === undefined) return Promise.resolve();
      this.commitNext.set(partition, next);
      this.commitFlush ??= new Promise<void>((resolve) => {
        queueMicrotask(() =>
          this.flushCommits().then(
            () => resolve(),
            () => resolve(),
          ),
        );
      });
      return this.commitFlush;
    }
    this.ackBuffer.push(message);
    if (this.ackFlush === undefined) {
      this.ackFlush = new Promise<void>((resolve) => (this.ackFlushed = resolve));
      setImmediate(() => this.flushAcks());
    }
    const flushed = this.ackFlush;
    if (this.ackBuffer.length >= ACK_BATCH_MAX) this.flushAcks();
    return flushed;
  }

  /** Passes the gathered acks to the receiver (a no-op when a full batch already went). */
  private flushAcks(): void {
    const resolve = this.ackFlushed;
    if (resolve === undefined) return;
    const batch = this.ackBuffer;
    this.ackBuffer = [];
    this.ackFlush = undefined;
    this.ackFlushed = undefined;
    this.watch(this.receiver.ack(batch), 'ack').then(resolve, resolve);
  }

  /** Passes the coalesced commit positions to the receiver (one call per partition). */
  private flushCommits(): Promise<unknown> {
    const batch = this.commitNext;
    this.commitNext = new Map();
    this.commitFlush = undefined;
    const receiver = this.receiver;
    const commit = receiver.commit;
    const ops: Promise<void>[] = [];
    if (commit === undefined) return Promise.resolve();
    for (const [partition, next] of batch) {
      let op: Promise<void>;
      try {
        op = commit.call(receiver, partition, next);
      } catch (err) {
        op = Promise.reject(err as Error);
      }
      ops.push(this.watch(op, 'commit'));
    }
    return ops.length === 1 ? (ops[0] as Promise<void>) : Promise.all(ops);
  }

  /** Tracks an operation for `flush`; logs (does not throw) failures: the broker will redeliver. */
  private watch(op: Promise<void>, what: string): Promise<void> {
    const p = op.catch((err: unknown) => {
      this.options.logger.warn(`${what} failed; the event will be redelivered`, {
        topic: this.options.topic,
        error: err,
      });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }
}
