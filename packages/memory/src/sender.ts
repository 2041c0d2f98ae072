import type { DriverSender, OutgoingEvent, SendOutcome } from '@eventport/core/driver';
import { ClosedError } from '@eventport/core/driver';
import type { MemoryFaults } from './faults.js';
import { EveryNth } from './faults.js';
import type { MemoryBroker } from './memory-broker.js';

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
    const out: SendOutcome[] = new Array<SendOutcome>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const { event, delayMs } = batch[i]!;
      if (this.drop.hit()) {
        out[i] = { ok: true, receipt: {} };
      } else if (delayMs !== undefined && delayMs > 0 && this.faults.delay !== true) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.broker.topic(this.topic).append(event, this.idempotent);
        }, delayMs);
        this.timers.add(t);
        out[i] = { ok: true, receipt: {} };
      } else {
        const r = topic.append(event, this.idempotent);
        out[i] = {
          ok: true,
          receipt: { partition: String(r.partition), offset: r.offset, duplicate: r.duplicate },
        };
      }
    }
    return Promise.resolve(out);
  }

  /** Delayed events still pending are delivered even after close (they were acknowledged). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
