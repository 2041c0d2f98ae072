import type { DriverReceipt, DriverSender, OutgoingEvent, SendOutcome } from '@eventport/core/driver';
import { ClosedError } from '@eventport/core/driver';
import type { MemoryFaults } from './faults.js';
import { EveryNth } from './faults.js';
import type { MemoryBroker } from './memory-broker.js';
import { partitionLabel, type AppendResult } from './topic.js';

/** Where an appended event landed (the receipt of its outcome). */
class AppendReceipt implements DriverReceipt {
  readonly partition: string;
  readonly offset: number;
  readonly duplicate: boolean;

  constructor(r: AppendResult) {
    this.partition = partitionLabel(r.partition);
    this.offset = r.offset;
    this.duplicate = r.duplicate === true;
  }
}

/** Accepted, with nothing to say where (a delayed event, or one the `drop` fault lost). */
const NOT_STORED: SendOutcome = Object.freeze({ ok: true, receipt: Object.freeze({}) });

/**
 * Appends batches to a topic. Synchronous underneath: a batch either lands whole
 * or (closed sender) fails whole. Delayed events are appended by a timer.
 */
export class MemorySender implements DriverSender {
  private closed = false;
  private readonly drop: EveryNth;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly broker: MemoryBroker,
    private readonly topic: string,
    private readonly idempotent: boolean,
    private readonly faults: MemoryFaults,
  ) {
    this.drop = new EveryNth(faults.drop);
    broker.topic(topic); // TopicNotFoundError now rather than at first send
  }

  send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.closed) return Promise.reject(new ClosedError(`memory sender for "${this.topic}"`));
    const topic = this.broker.topic(this.topic);
    const now = Date.now();
    const out: SendOutcome[] = new Array<SendOutcome>(batch.length);
    let appended = false;
    for (let i = 0; i < batch.length; i++) {
      const { event, delayMs } = batch[i]!;
      if (this.drop.hit()) {
        out[i] = NOT_STORED;
      } else if (delayMs !== undefined && delayMs > 0 && this.faults.delay !== true) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.broker.topic(this.topic).append(event, this.idempotent);
        }, delayMs);
        this.timers.add(t);
        out[i] = NOT_STORED;
      } else {
        out[i] = { ok: true, receipt: new AppendReceipt(topic.appendQuietly(event, this.idempotent, now)) };
        appended = true;
      }
    }
    if (appended) topic.notifyAppended(); // readers wake once per batch, after all of it landed
    return Promise.resolve(out);
  }

  /** Delayed events still pending are delivered even after close (they were acknowledged). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
